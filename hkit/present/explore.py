"""Reading the graph for a person: everything about one entity, and the graph's statistics."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from hkit.core.errors import QueryError
from hkit.core.formats import Report
from hkit.core.sparql import iri, literal, with_values
from hkit.core.vocab import HKIT, ID, compact, expand
from hkit.core.vocab import PROLOGUE as PREFIXES
from hkit.present.explain import in_range, nearest_nodes, outside_range, range_names
from hkit.present.results import readable
from hkit.present.sources import source_labels
from hkit.store.closure import INFERRED
from hkit.store.engines import EmbeddedEngine

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from typing import Any

    from hkit.core.answers import Term
    from hkit.store.engines import Engine


#: Prefixes of the vocabularies hkit aligns its terms to: an inferred fact in their terms restates
#: one in hkit's (a university is an ``org:Organization``), and ``describe`` lists them compactly.
_OTHER_VOCABULARIES = ("dcterms", "foaf", "frapo", "org", "prov", "schema", "vann")
#: The width that the compact lists of ``describe`` are wrapped to (a terminal of 80 columns).
_WRAP = 79


def _elsewhere(name: str) -> bool:
    """Whether a term as ``describe`` shows it (a label, a compact name, an IRI) is one of
    another vocabulary: a compact name with one of their prefixes, or an IRI that no prefix
    shortens. hkit's own terms are shown by their labels."""
    return name.partition(":")[0] in _OTHER_VOCABULARIES or "://" in name


@dataclass
class Inferred:
    """What the ontology entails about one entity and no document states: types, relations
    (property, value) and the entities that refer to it (property, entity), each with labels.
    None of it has a source."""

    types: list[str] = field(default_factory=list)
    outgoing: list[tuple[str, str]] = field(default_factory=list)
    incoming: list[tuple[str, str]] = field(default_factory=list)

    def ours(self) -> Inferred:
        """The facts in hkit's own terms."""
        return Inferred(
            [t for t in self.types if not _elsewhere(t)],
            [(p, o) for p, o in self.outgoing if not _elsewhere(p)],
            [(p, s) for p, s in self.incoming if not _elsewhere(p)],
        )

    def theirs(self) -> Inferred:
        """The facts in the terms of the vocabularies hkit aligns to (W3C ORG, PROV, schema.org,
        FOAF, FRAPO...)."""
        return Inferred(
            [t for t in self.types if _elsewhere(t)],
            [(p, o) for p, o in self.outgoing if _elsewhere(p)],
            [(p, s) for p, s in self.incoming if _elsewhere(p)],
        )

    @staticmethod
    def counted(pairs: list[tuple[str, str]]) -> list[str]:
        """The properties of ``pairs`` (property, entity), each once, with how many entities it
        links when more than one: ``prov:wasAttributedTo (2)``."""
        counts: dict[str, int] = {}
        for p, _ in pairs:
            counts[p] = counts.get(p, 0) + 1
        return [f"{p} ({n})" if n > 1 else p for p, n in counts.items()]

    def __bool__(self) -> bool:
        return bool(self.types or self.outgoing or self.incoming)

    def as_text(self) -> list[str]:
        """The lines of ``describe``'s block: hkit's own terms as the asserted sections show
        them; in the other vocabularies' terms, which restate those facts, the types and the
        properties alone (with how many links each), wrapped."""
        ours, theirs = self.ours(), self.theirs()
        out = ["  inferred (entailed by the ontology; no document states it):"]
        if ours.types:
            out.append(f"    type:      {', '.join(ours.types)}")
        if ours.outgoing:
            out.append("    relations:")
            out += [f"      {p}: {o}" for p, o in ours.outgoing]
        if ours.incoming:
            out.append("    referred to by:")
            out += [f"      {s} ({p})" for p, s in ours.incoming]
        if theirs:
            out.append("    in other vocabularies:")
            for key, items in (
                ("type:", theirs.types),
                ("relations:", self.counted(theirs.outgoing)),
                ("links to it:", self.counted(theirs.incoming)),
            ):
                if items:
                    out += _fill(items, f"      {key:<14}")
        return out


def _fill(items: list[str], first: str) -> list[str]:
    """``items`` separated by commas, after ``first`` and on lines indented as far below, as
    many on a line as fit :data:`_WRAP` columns; a line breaks only between two items."""
    lines = [first]
    for i, item in enumerate(items):
        word = item if i == len(items) - 1 else item + ","
        if i and len(lines[-1]) + len(word) > _WRAP:
            lines.append(" " * len(first))
        elif i:
            lines[-1] += " "
        lines[-1] += word
    return lines


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
    #: what the ontology entails and no document states (the fields above hold only what the
    #: documents state); None when the graph was opened without it (``--asserted``)
    inferred: Inferred | None = None
    #: for each of ``types``, ``outgoing`` and ``incoming`` in turn, the file names of the
    #: documents that state it (from their named graphs); none: the editor's alone
    type_sources: list[list[str]] = field(default_factory=list)
    outgoing_sources: list[list[str]] = field(default_factory=list)
    incoming_sources: list[list[str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """This object's fields, as plain data (the JSON format)."""
        return dataclasses.asdict(self)

    def as_text(self) -> str:
        """The entity for people: its types, labels, notes, relations, figures and sources, as
        the documents state them, then what the ontology entails besides."""
        out = [f"{self.label}  <{self.iri}>"]
        if self.types:
            types = [t + self._cited(self.type_sources, i) for i, t in enumerate(self.types)]
            out.append(f"  type:      {', '.join(types)}")
        if self.alt_labels:
            out.append(f"  also:      {', '.join(self.alt_labels)}")
        for kind, text in self.notes:
            out.append(f"  {kind + ':':<10} {text}")
        if self.outgoing:
            out.append("  relations:")
            out += [
                f"    {p}: {o}{self._cited(self.outgoing_sources, i)}"
                for i, (p, o) in enumerate(self.outgoing)
            ]
        if self.incoming:
            out.append("  referred to by:")
            out += [
                f"    {s} ({p}){self._cited(self.incoming_sources, i)}"
                for i, (p, s) in enumerate(self.incoming)
            ]
        if self.figures:
            out.append("  figures:")
            out += [
                f"    {m}: {v} ({d}; {self.source_labels.get(src, src)})"
                for m, v, d, src in self.figures
            ]
        if self.sources:
            names = [self.source_names.get(s, s) for s in self.sources]
            out.append("  sources:   " + "\n             ".join(names))
        if self.inferred:
            out += self.inferred.as_text()
        return "\n".join(out) + "\n"

    @staticmethod
    def _cited(sources: list[list[str]], i: int) -> str:
        """`` [000, 002]``: the documents that state fact ``i``, each by its file name up to the
        first ``_`` (``000`` for ``000_1039700805b26dd8.txt``); `` [editor]`` when none does."""
        if i >= len(sources):
            return ""
        keys = [name.split("_")[0] for name in sources[i]]
        return f" [{', '.join(keys)}]" if keys else " [editor]"


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
# What the ontology entails, from the named graph of the inferred triples (labels from anywhere):
# the entity's types and relations, and the links to it, filtered as _OUTGOING and _INCOMING are.
_INFERRED_OUTGOING = f"""SELECT ?p ?o ?pl ?ol WHERE {{ GRAPH <{INFERRED}> {{ ?entity ?p ?o }}
    OPTIONAL {{ ?p rdfs:label ?pl }} OPTIONAL {{ ?o rdfs:label|skos:prefLabel ?ol }} }}
    ORDER BY ?p STR(?o)"""
_INFERRED_INCOMING = f"""SELECT DISTINCT ?p ?pl ?sl WHERE {{ GRAPH <{INFERRED}> {{ ?s ?p ?entity }}
    ?s rdfs:label ?sl . OPTIONAL {{ ?p rdfs:label ?pl }}
    FILTER NOT EXISTS {{ ?s a ?figure . VALUES ?figure {{ hkit:Observation hkit:Ranking }} }}
    FILTER (?p != prov:wasDerivedFrom) }}"""
# Each triple about the entity, and naming it, with each document that states it (its graph).
_STATED_OUTGOING = """SELECT ?p ?o ?pl ?ol ?file WHERE { GRAPH ?doc { ?entity ?p ?o }
    ?doc hkit:fileName ?file .
    OPTIONAL { ?p rdfs:label ?pl } OPTIONAL { ?o rdfs:label|skos:prefLabel ?ol } }"""
_STATED_INCOMING = """SELECT ?pl ?sl ?file WHERE { GRAPH ?doc { ?s ?p ?entity }
    ?doc hkit:fileName ?file . ?s rdfs:label ?sl .
    OPTIONAL { ?p rdfs:label ?plabel } BIND(COALESCE(STR(?plabel), STR(?p)) AS ?pl) }"""
_SOURCES = """SELECT DISTINCT ?file WHERE { ?entity prov:wasDerivedFrom/hkit:fileName ?file }
    ORDER BY ?file"""

_RDF_TYPE = expand("rdf:type")
_NAMES = (expand("rdfs:label"), expand("skos:prefLabel"))
_NOTES = {
    expand("skos:definition"): "about",
    expand("skos:scopeNote"): "scope",
    expand("skos:editorialNote"): "note",
}


def _fact(r: dict[str, Term]) -> tuple[str, str]:
    """How a row of _OUTGOING is shown: (property, value), ``type`` for a type."""
    p, o = r["p"].value, r["o"]
    olabel = r["ol"].value if "ol" in r else readable(o)
    if p == _RDF_TYPE:
        return "type", olabel
    return (r["pl"].value if "pl" in r else compact(p)), olabel


def _outgoing(d: Description, rows: list[dict[str, Term]]) -> None:
    """Types, alternative labels, notes and relations, from the entity's own statements."""
    seen: set[tuple[str, str]] = set()
    for r in rows:
        p, o = r["p"].value, r["o"]
        if p in _NAMES or p == expand("prov:wasDerivedFrom"):
            continue
        if p == _RDF_TYPE:
            if _fact(r)[1] not in d.types:
                d.types.append(_fact(r)[1])
        elif p == expand("skos:altLabel"):
            d.alt_labels.append(o.value)
        elif p in _NOTES:
            d.notes.append((_NOTES[p], o.value))
        else:
            key = _fact(r)
            if key not in seen:
                seen.add(key)
                d.outgoing.append(key)


def _stated_by(
    d: Description, outgoing: list[dict[str, Term]], incoming: list[dict[str, Term]]
) -> None:
    """For each type, relation and reference of ``d``, the documents that state it: from the
    rows of _STATED_OUTGOING and _STATED_INCOMING."""
    out: dict[tuple[str, str], set[str]] = {}
    for r in outgoing:
        out.setdefault(_fact(r), set()).add(r["file"].value)
    into: dict[tuple[str, str], set[str]] = {}
    for r in incoming:
        into.setdefault((r["pl"].value, r["sl"].value), set()).add(r["file"].value)
    d.type_sources = [sorted(out.get(("type", t), ())) for t in d.types]
    d.outgoing_sources = [sorted(out.get(key, ())) for key in d.outgoing]
    d.incoming_sources = [sorted(into.get(key, ())) for key in d.incoming]


def _inferred(rows: list[dict[str, Term]], incoming: list[dict[str, Term]]) -> Inferred:
    """The inferred block from the rows of _INFERRED_OUTGOING and _INFERRED_INCOMING: types and
    relations as the asserted sections show them, each once: hkit's own terms first, then the
    other vocabularies' by name; the links to it by property and entity, as "referred to by"."""
    found = Description(iri="", label="")
    _outgoing(found, rows)
    links = {
        (r["pl"].value if "pl" in r else compact(r["p"].value), r["sl"].value) for r in incoming
    }
    inferred = Inferred(found.types, found.outgoing, sorted(links))
    ours, theirs = inferred.ours(), inferred.theirs()
    return Inferred(
        ours.types + sorted(theirs.types),
        ours.outgoing + sorted(theirs.outgoing),
        ours.incoming + theirs.incoming,
    )


def _figure(r: dict[str, Term]) -> tuple[str, str, str, str]:
    """(measure, value with its qualifier and currency, when, file) of one figure's row."""
    if "v" not in r and "a" not in r:  # a vague magnitude ("thousands"): no number, its word
        return (
            r["m"].value,
            r["q"].value if "q" in r else "no figure",
            r["when"].value,
            r["file"].value,
        )
    value = readable(r["v"] if "v" in r else r["a"])
    if "v" not in r and "c" in r:
        value = f"{value} {r['c'].value}"
    if "q" in r and r["q"].value != "exactly":
        value = f"{r['q'].value} {value}"
    return r["m"].value, value, r["when"].value, r["file"].value


def describe(engine: EmbeddedEngine, iri: str, label: str, timeout: float | None) -> Description:
    """Everything about one entity: its statements, what points at it, its figures and the
    documents it cites, each asked with the entity bound as a term. Each of these is what the
    documents state; what the ontology entails besides (when ``engine`` sees it) is apart, in
    :attr:`Description.inferred`, with no source."""
    entity = {"entity": [f"<{iri}>"]}

    asserted = engine.asserted()

    def rows(query: str, on: EmbeddedEngine = asserted) -> list[dict[str, Term]]:
        return on.run(with_values(PREFIXES + query, entity), timeout).rows

    d = Description(iri=iri, label=label)
    _outgoing(d, rows(_OUTGOING))
    d.incoming = [(r["pl"].value, r["sl"].value) for r in rows(_INCOMING)]
    _stated_by(d, rows(_STATED_OUTGOING), rows(_STATED_INCOMING))
    d.figures = [_figure(r) for r in rows(_FIGURES)]
    d.sources = [r["file"].value for r in rows(_SOURCES)]
    cited = set(d.sources) | {f[3] for f in d.figures}
    labels = {s: v for s, v in source_labels(engine, timeout).items() if s in cited}
    d.source_names = {s: f"{label}, {when}" for s, (label, when) in labels.items()}
    d.source_labels = {s: label for s, (label, _) in labels.items()}
    if engine.inferred:
        d.inferred = _inferred(rows(_INFERRED_OUTGOING, engine), rows(_INFERRED_INCOMING, engine))
    return d


@dataclass
class Stats(Report):
    """Size of the graph: triples and entities per class as the documents state them and,
    beside, with what the ontology entails; nodes per source document. ``render`` gives ``text``
    or ``json`` (this object's fields, lists of tuples as arrays): the format registry's formats
    for ``stats``."""

    report = "stats"

    #: the triples the documents state (the asserted graph)
    triples: int
    #: the triples the ontology entails besides; None when the graph was opened without them
    inferred: int | None
    #: (class, entities typed so in the asserted graph, entities of the class with what the
    #: ontology entails, None when left out), for hkit's classes, the most entities first
    per_class: list[tuple[str, int, int | None]]
    #: (source document's file name, nodes that cite it)
    per_source: list[tuple[str, int]]

    def as_dict(self) -> dict[str, object]:
        """This object's fields, as plain data (the JSON format)."""
        return dataclasses.asdict(self)

    def as_text(self) -> str:
        """The counts for people: two columns of entities per class, asserted and entailed (one
        when the graph leaves out what the ontology entails, which a line says)."""
        width = max([len(c) for c, _, _ in self.per_class] + [5])
        if self.inferred is None:
            out = [
                f"triples: {self.triples:,}",
                "",
                "entities per class (asserted only: what the ontology entails is left out):",
            ]
            out += [f"  {c.ljust(width)}  {n:>8,}" for c, n, _ in self.per_class]
        else:
            total = f"{self.triples + self.inferred:,} in all"
            out = [
                f"triples: {self.triples:,} asserted, {self.inferred:,} inferred ({total})",
                "",
                "entities per class, asserted and with what the ontology entails:",
                f"  {'':<{width}}  {'asserted':>8}  {'entailed':>8}",
            ]
            out += [f"  {c.ljust(width)}  {n:>8,}  {e or 0:>8,}" for c, n, e in self.per_class]
        out += ["", "nodes per source document:"]
        out += [f"  {s}  {n:>5,}" for s, n in self.per_source]
        return "\n".join(out) + "\n"


_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
_PER_CLASS = f"""SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a ?c .
    FILTER(STRSTARTS(STR(?c), "{HKIT}"))
    FILTER(STRSTARTS(STR(?s), "{ID}")) }}
    GROUP BY ?c"""


def stats(engine: EmbeddedEngine, timeout: float | None) -> Stats:
    """Count the graph's triples, the entities of each hkit class, the nodes citing each source:
    on the asserted graph, and (when ``engine`` sees it) with what the ontology entails."""

    def count(on: EmbeddedEngine, query: str) -> dict[str, int]:
        rows = on.run(PREFIXES + query, timeout).rows
        return {compact(r["c"].value): int(r["n"].value) for r in rows}

    asserted = engine.asserted()
    triples = int(asserted.run(_COUNT, timeout).rows[0]["n"].value)
    stated = count(asserted, _PER_CLASS)
    inferred = entailed = None
    if engine.inferred:
        inferred_count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{INFERRED}> {{ ?s ?p ?o }} }}"
        inferred = int(engine.run(inferred_count, timeout).rows[0]["n"].value)
        entailed = count(engine, _PER_CLASS)
    # the most entities first (with what is entailed, when it is counted), then by name
    most = entailed if entailed is not None else stated
    classes = sorted(set(stated) | set(most), key=lambda c: (-most.get(c, 0), c))
    per_class = [
        (c, stated.get(c, 0), None if entailed is None else entailed.get(c, 0)) for c in classes
    ]
    per_source = [
        (r["file"].value, int(r["n"].value))
        for r in asserted.run(
            PREFIXES
            + """SELECT ?file (COUNT(DISTINCT ?s) AS ?n) WHERE { ?doc hkit:fileName ?file .
            OPTIONAL { ?s prov:wasDerivedFrom ?doc } } GROUP BY ?file ORDER BY ?file""",
            timeout,
        ).rows
    ]
    return Stats(triples, inferred, per_class, per_source)


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
            if param.range:  # a name of the parameter's kind (an economy, an organisation)
                matches = in_range(param, value, lambda text: engine.run(text, timeout))
            else:
                matches = find_entities(engine, value, timeout)
            if len(matches) == 1:
                iris.append(matches[0][0])
                continue
            if not matches and param.range:
                in_kind = range_names(param, lambda text: engine.run(text, timeout))
                close = nearest_nodes(value, in_kind)
                elsewhere = outside_range(find_entities(engine, value, timeout))
                raise QueryError(
                    f"parameter '{param.name}': nothing of its kind is called '{value}'"
                    + elsewhere,
                    hint=f"nearest: {', '.join(close)}" if close else "give an IRI (id:...)",
                )
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
