"""Reading the graph for a person: everything about one entity, and the graph's statistics."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from hkit.core.errors import QueryError
from hkit.core.formats import Report
from hkit.core.sparql import iri, literal, with_values
from hkit.core.vocab import HKIT, ID, compact, expand
from hkit.core.vocab import PROLOGUE as PREFIXES
from hkit.present.results import readable
from hkit.present.sources import source_labels
from hkit.store.engines import EmbeddedEngine

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from typing import Any

    from hkit.core.answers import Term
    from hkit.store.engines import Engine


@dataclass
class Description(Report):
    """Everything the graph says about one entity, with labels. ``render`` gives ``text`` or
    ``json`` (this object's fields, lists of pairs as arrays): the format registry's formats for
    ``describe``."""

    report = "describe"

    iri: str
    label: str
    types: list[str] = field(default_factory=list)
    alt_labels: list[str] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    outgoing: list[tuple[str, str]] = field(default_factory=list)
    incoming: list[tuple[str, str]] = field(default_factory=list)
    figures: list[tuple[str, str, str, str]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    #: file name -> the source's name and date, for people (the entity's sources and its figures')
    source_names: dict[str, str] = field(default_factory=dict)
    #: file name -> the source's name alone
    source_labels: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """This object's fields, as plain data (the JSON format)."""
        return dataclasses.asdict(self)

    def as_text(self) -> str:
        """The entity for people: its types, labels, notes, relations, figures and sources."""
        out = [f"{self.label}  <{self.iri}>"]
        if self.types:
            out.append(f"  type:      {', '.join(self.types)}")
        if self.alt_labels:
            out.append(f"  also:      {', '.join(self.alt_labels)}")
        for kind, text in self.notes:
            out.append(f"  {kind + ':':<10} {text}")
        if self.outgoing:
            out.append("  relations:")
            out += [f"    {p}: {o}" for p, o in self.outgoing]
        if self.incoming:
            out.append("  referred to by:")
            out += [f"    {s} ({p})" for p, s in self.incoming]
        if self.figures:
            out.append("  figures:")
            out += [
                f"    {m}: {v} ({d}; {self.source_labels.get(src, src)})"
                for m, v, d, src in self.figures
            ]
        if self.sources:
            names = [self.source_names.get(s, s) for s in self.sources]
            out.append("  sources:   " + "\n             ".join(names))
        return "\n".join(out) + "\n"


def find_entities(engine: Engine, text: str, timeout: float | None) -> list[tuple[str, str]]:
    """(IRI, label) of the entities whose label, alternative label, source file name or IRI's
    last part (``cuhk`` for id:cuhk) is ``text`` (ignoring case), else those whose labels contain
    it; an IRI (full, in angle brackets, or compact: id:hkust, hkit:Plan) matches itself."""

    text = expand(text.strip().removeprefix("<").removesuffix(">"))
    label_of = PREFIXES + "SELECT ?label WHERE { ?s rdfs:label|skos:prefLabel ?label } "
    label_of += "ORDER BY ?label LIMIT 1"
    if text.startswith(("http://", "https://")):
        term = iri(text, f"'{text}'")
        rows = engine.run(with_values(label_of, {"s": [term]}), timeout).rows
        return [(term[1:-1], rows[0]["label"].value)] if rows else []
    import re

    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", text):  # an IRI's last part: cuhk, HKU
        slug = ID + text.lower()
        rows = engine.run(with_values(label_of, {"s": [f"<{slug}>"]}), timeout).rows
        if rows:
            return [(slug, rows[0]["label"].value)]
    needle = literal(text.casefold(), f"'{text}'")
    names = "?s rdfs:label|skos:altLabel|skos:prefLabel|hkit:fileName ?name . "
    for names_of, test in (
        (names, "LCASE(STR(?name)) = ?needle"),
        (
            "?s rdfs:label|skos:altLabel|skos:prefLabel ?name . ",
            "CONTAINS(LCASE(STR(?name)), ?needle)",
        ),
    ):
        query = (
            PREFIXES
            + "SELECT DISTINCT ?s ?label WHERE { "
            + names_of
            + "FILTER("
            + test
            + ") ?s rdfs:label|skos:prefLabel ?label . "
            f'FILTER(STRSTARTS(STR(?s), "{ID}")) }} ORDER BY ?label ?s'
        )
        rows = engine.run(with_values(query, {"needle": [needle]}), timeout).rows
        if rows:
            return [(r["s"].value, r["label"].value) for r in rows]
    return []


_OUTGOING = """SELECT ?p ?o ?pl ?ol WHERE { ?entity ?p ?o .
    OPTIONAL { ?p rdfs:label ?pl } OPTIONAL { ?o rdfs:label|skos:prefLabel ?ol } }
    ORDER BY ?p STR(?o)"""
_INCOMING = """SELECT DISTINCT ?pl ?sl WHERE { ?s ?p ?entity . ?s rdfs:label ?sl .
    OPTIONAL { ?p rdfs:label ?plabel } BIND(COALESCE(STR(?plabel), STR(?p)) AS ?pl)
    FILTER NOT EXISTS { ?s a ?figure . VALUES ?figure { hkit:Observation hkit:Ranking } }
    FILTER (?p != prov:wasDerivedFrom) }
    ORDER BY ?pl ?sl"""
_FIGURES = """SELECT ?m ?v ?a ?c ?q ?when ?file WHERE { ?obs hkit:observedEntity ?entity ;
    hkit:measure/skos:prefLabel ?m ; prov:wasDerivedFrom/hkit:fileName ?file .
    OPTIONAL { ?obs hkit:value ?v } OPTIONAL { ?obs hkit:amount/schema:value ?a }
    OPTIONAL { ?obs hkit:amount/schema:currency ?code }
    OPTIONAL { ?obs hkit:amount/hkit:currencySymbol ?symbol }
    BIND (COALESCE(?code, ?symbol) AS ?c)
    OPTIONAL { ?obs hkit:valueQualifier/skos:prefLabel ?oq }
    OPTIONAL { ?obs hkit:amount/hkit:valueQualifier/skos:prefLabel ?aq }
    BIND (COALESCE(?oq, ?aq) AS ?q)
    OPTIONAL { ?obs hkit:asOf ?asOf } OPTIONAL { ?obs hkit:earliestDate ?from }
    OPTIONAL { ?obs hkit:latestDate ?to }
    BIND (COALESCE(CONCAT("as of ", STR(?asOf)),
                   IF(BOUND(?from) && BOUND(?to),
                      CONCAT("between ", STR(?from), " and ", STR(?to)),
                      IF(BOUND(?from), CONCAT(STR(?from), " or later"),
                         IF(BOUND(?to), CONCAT("by ", STR(?to)), "date not given"))))
         AS ?when) }
    ORDER BY ?m (!BOUND(?asOf) && !BOUND(?from) && !BOUND(?to))
             COALESCE(STR(?asOf), STR(?from), STR(?to), "") ?file"""
_SOURCES = """SELECT DISTINCT ?file WHERE { ?entity prov:wasDerivedFrom/hkit:fileName ?file }
    ORDER BY ?file"""

_RDF_TYPE = expand("rdf:type")
_NAMES = (expand("rdfs:label"), expand("skos:prefLabel"))
_NOTES = {
    expand("skos:definition"): "about",
    expand("skos:scopeNote"): "scope",
    expand("skos:editorialNote"): "note",
}


def _outgoing(d: Description, rows: list[dict[str, Term]]) -> None:
    """Types, alternative labels, notes and relations, from the entity's own statements."""
    seen: set[tuple[str, str]] = set()
    for r in rows:
        p, o = r["p"].value, r["o"]
        olabel = r["ol"].value if "ol" in r else readable(o)
        if p in _NAMES or p == expand("prov:wasDerivedFrom"):
            continue
        if p == _RDF_TYPE:
            if olabel not in d.types:
                d.types.append(olabel)
        elif p == expand("skos:altLabel"):
            d.alt_labels.append(o.value)
        elif p in _NOTES:
            d.notes.append((_NOTES[p], o.value))
        else:
            key = (r["pl"].value if "pl" in r else compact(p), olabel)
            if key not in seen:
                seen.add(key)
                d.outgoing.append(key)


def _figure(r: dict[str, Term]) -> tuple[str, str, str, str]:
    """(measure, value with its qualifier and currency, when, file) of one figure's row."""
    value = readable(r["v"] if "v" in r else r["a"])
    if "v" not in r and "c" in r:
        value = f"{value} {r['c'].value}"
    if "q" in r and r["q"].value != "exactly":
        value = f"{r['q'].value} {value}"
    return r["m"].value, value, r["when"].value, r["file"].value


def describe(engine: EmbeddedEngine, iri: str, label: str, timeout: float | None) -> Description:
    """Everything about one entity: its statements, what points at it, its figures and the
    documents it cites, each asked with the entity bound as a term."""
    entity = {"entity": [f"<{iri}>"]}

    def rows(query: str) -> list[dict[str, Term]]:
        return engine.run(with_values(PREFIXES + query, entity), timeout).rows

    d = Description(iri=iri, label=label)
    _outgoing(d, rows(_OUTGOING))
    d.incoming = [(r["pl"].value, r["sl"].value) for r in rows(_INCOMING)]
    d.figures = [_figure(r) for r in rows(_FIGURES)]
    d.sources = [r["file"].value for r in rows(_SOURCES)]
    cited = set(d.sources) | {f[3] for f in d.figures}
    labels = {s: v for s, v in source_labels(engine, timeout).items() if s in cited}
    d.source_names = {s: f"{label}, {when}" for s, (label, when) in labels.items()}
    d.source_labels = {s: label for s, (label, _) in labels.items()}
    return d


@dataclass
class Stats(Report):
    """Size of the graph: triples, entities per class, nodes per source document. ``render``
    gives ``text`` or ``json`` (``triples``, ``per_class`` and ``per_source`` pairs): the format
    registry's formats for ``stats``."""

    report = "stats"

    triples: int
    per_class: list[tuple[str, int]]
    per_source: list[tuple[str, int]]

    def as_dict(self) -> dict[str, object]:
        """This object's fields, as plain data (the JSON format)."""
        return dataclasses.asdict(self)

    def as_text(self) -> str:
        """The counts for people."""
        out = [f"triples: {self.triples:,}", "", "entities per class:"]
        width = max([len(c) for c, _ in self.per_class] + [5])
        out += [f"  {c.ljust(width)}  {n:>5,}" for c, n in self.per_class]
        out += ["", "nodes per source document:"]
        out += [f"  {s}  {n:>5,}" for s, n in self.per_source]
        return "\n".join(out) + "\n"


def stats(engine: EmbeddedEngine, timeout: float | None) -> Stats:
    """Count the graph's triples, the entities of each hkit class, the nodes citing each source."""
    triples = int(
        engine.run("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", timeout).rows[0]["n"].value
    )
    per_class = [
        (compact(r["c"].value), int(r["n"].value))
        for r in engine.run(
            PREFIXES
            + f"""SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a ?c .
            FILTER(STRSTARTS(STR(?c), "{HKIT}"))
            FILTER(STRSTARTS(STR(?s), "{ID}")) }}
            GROUP BY ?c ORDER BY DESC(?n) ?c""",
            timeout,
        ).rows
    ]
    per_source = [
        (r["file"].value, int(r["n"].value))
        for r in engine.run(
            PREFIXES
            + """SELECT ?file (COUNT(DISTINCT ?s) AS ?n) WHERE { ?doc hkit:fileName ?file .
            OPTIONAL { ?s prov:wasDerivedFrom ?doc } } GROUP BY ?file ORDER BY ?file""",
            timeout,
        ).rows
    ]
    return Stats(triples, per_class, per_source)


def resolve_names(
    query: Any, given: dict[str, list[str]], engine: Engine, timeout: float | None
) -> dict[str, list[str]]:
    """The parameter values with every IRI parameter's value that is a name (a label, an
    alternative label, an abbreviation, an IRI's last part) replaced by the IRI of the one entity
    it names; several matches are an error that lists them."""

    resolved = dict(given)
    for param in query.params:
        if param.suffix != "iri" or param.name not in given:
            continue
        iris = []
        for value in given[param.name]:
            if ":" in value or value.startswith("<"):
                iris.append(value)  # an IRI, full or compact: checked when it is bound
                continue
            if "\\" in value or any(ord(c) < 0x20 for c in value):
                raise QueryError(
                    f"parameter '{param.name}': a name may not contain a backslash or control "
                    "characters",
                    hint="give an IRI (id:...) or a label",
                )
            matches = find_entities(engine, value, timeout)
            if len(matches) == 1:
                iris.append(matches[0][0])
                continue
            if not matches:
                raise QueryError(
                    f"parameter '{param.name}': nothing in the graph is called '{value}'",
                    hint="give an IRI (id:...), a label, or part of one",
                )
            shown = "; ".join(f"{label} <{compact(iri)}>" for iri, label in matches[:8])
            more = f" and {len(matches) - 8} more" if len(matches) > 8 else ""
            raise QueryError(
                f"parameter '{param.name}': {len(matches)} entities match '{value}': {shown}{more}",
                hint="give one of them by IRI",
            )
        resolved[param.name] = iris
    return resolved
