"""Which document states which triple: one named graph per source document.

Every triple of ``data/*.ttl`` is either stated by one or more source documents or is the
editor's own (docs/loading.md, "Which document states which triple"). The store and the dataset
exports hold each document's triples in a named graph whose name is the document node's own IRI
(``id:doc-002``), and the editor's in :data:`EDITORIAL`, beside the default graph, which holds
the union once. The triples are decided by these rules, in order:

1. the editor's: every triple of an editorial file (:data:`EDITORIAL_FILES`), every triple about
   a document node (the source records), every triple of an editorial predicate
   (:data:`EDITORIAL_PREDICATES`: citations, editorial notes, membership of hkit's own concept
   schemes) and every type that makes a node one of hkit's concepts (:data:`EDITORIAL_TYPES`);
2. listed: a triple that ``data/attribution.trig`` lists in a document's graph is that
   document's, and of every other document whose graph lists it; one that it lists in the
   graph :data:`EDITORIAL` is the editor's (the editor's reading, which no document states);
3. names (:data:`NAMES`) that no document's graph lists are the editor's: the name it chose;
4. a triple about a node that cites one document (``prov:wasDerivedFrom``) is that document's;
5. anything else is unattributed: :func:`attribute` reports it, and the ``attribution`` gate of
   ``hkit check`` fails on it, as it does on a listed triple that the data does not assert or
   whose subject does not cite the document.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from hkit.core.errors import InputError
from hkit.core.vocab import compact, expand
from hkit.store.rdf import _syntax_error, base_iri, parsing

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from typing import Any

#: The file, beside the data files, that lists the triples no rule attributes.
ATTRIBUTION_FILE = "attribution.trig"
#: The named graph of the editor's own triples.
EDITORIAL = "https://w3id.org/hkit/editorial"
#: Data files that hold only the editor's own structure.
EDITORIAL_FILES = ("sector-grouping.ttl",)
#: Predicates whose triples are the editor's record, not a document's claim.
EDITORIAL_PREDICATES = frozenset(
    expand(p)
    for p in ("prov:wasDerivedFrom", "skos:editorialNote", "skos:inScheme", "skos:topConceptOf")
)
#: Types that place a node in hkit's own structure (its concept schemes): the editor's.
EDITORIAL_TYPES = frozenset(expand(c) for c in ("skos:Concept", "skos:ConceptScheme"))
#: Names: a document's only where ``attribution.trig`` lists them (the document writes them).
NAMES = frozenset(expand(p) for p in ("rdfs:label", "skos:prefLabel", "skos:altLabel"))
_FILE_NAME = expand("hkit:fileName")
_TYPE = expand("rdf:type")
_DERIVED = expand("prov:wasDerivedFrom")


class Attribution:
    """The per-document graphs of a data folder: ``quads`` (pyoxigraph quads in the documents'
    graphs and in :data:`EDITORIAL`) and ``problems`` (one line each: what the rules cannot
    attribute, and what the attribution file lists wrongly)."""

    def __init__(self, quads: list[Any], problems: list[str]) -> None:
        self.quads = quads
        self.problems = problems


def attribution_file(files: Iterable[Path]) -> Path | None:
    """The attribution file beside the data files among ``files``; None when there is none."""
    for path in files:
        candidate = path.parent / ATTRIBUTION_FILE
        if path.suffix == ".ttl" and candidate.is_file():
            return candidate
    return None


def _show(quad_or_triple: Any) -> str:
    def term(t: Any) -> str:
        text = str(t)
        return compact(t.value) if type(t).__name__ == "NamedNode" else text[:60]

    return " ".join(term(t) for t in (quad_or_triple.subject, quad_or_triple.predicate)) + (
        " " + term(quad_or_triple.object)
    )


def attribute(files: Iterable[Path]) -> Attribution | None:
    """The per-document graphs of the data files among ``files`` (those beside the attribution
    file); None when no attribution file is there."""
    import pyoxigraph

    files = list(files)
    listing = attribution_file(files)
    if listing is None:
        return None
    data = [p for p in files if p.parent == listing.parent and p.suffix == ".ttl"]
    triples: dict[Any, bool] = {}  # triple -> whether it is of an editorial file
    for path in data:
        by_editor = path.name in EDITORIAL_FILES
        with parsing(path) as fmt:
            for quad in pyoxigraph.parse(path=str(path), format=fmt, base_iri=base_iri(path)):
                triples[quad.triple] = triples.get(quad.triple, False) or by_editor
    documents = {t.subject for t in triples if t.predicate.value == _FILE_NAME}
    cites: dict[Any, set[Any]] = {}
    for t in triples:
        if t.predicate.value == _DERIVED and t.object in documents:
            cites.setdefault(t.subject, set()).add(t.object)

    problems: list[str] = []
    listed: dict[Any, set[Any]] = {}
    editorial = pyoxigraph.NamedNode(EDITORIAL)
    for quad in _listed(listing):
        where = f"{listing.name}: {_show(quad)}"
        graph = quad.graph_name
        if graph != editorial and graph not in documents:
            problems.append(
                f"{where}: its graph {graph} is neither a source document nor {EDITORIAL}"
            )
        elif quad.triple not in triples:
            problems.append(f"{where}: the data does not assert it")
        elif graph != editorial and _editorial(quad.triple, triples[quad.triple], documents):
            problems.append(f"{where}: a triple of the editor's by rule, never a document's")
        elif graph != editorial and graph not in cites.get(quad.subject, set()):
            problems.append(f"{where}: its subject does not cite {compact(graph.value)}")
        else:
            listed.setdefault(quad.triple, set()).add(graph)
    for triple, graphs in listed.items():
        if editorial in graphs and len(graphs) > 1:
            problems.append(
                f"{listing.name}: {_show(triple)}: listed as the editor's and as a document's"
            )

    quads = []
    for t, of_editorial_file in triples.items():
        if _editorial(t, of_editorial_file, documents):
            graphs = {editorial}
        elif t in listed:
            graphs = listed[t]
        elif t.predicate.value in NAMES:
            graphs = {editorial}
        elif len(cites.get(t.subject, ())) == 1:
            graphs = set(cites[t.subject])
        else:
            cited = ", ".join(sorted(compact(d.value) for d in cites.get(t.subject, ())))
            problems.append(
                f"not attributed: {_show(t)} (its subject cites {cited or 'no document'}; "
                f"list it in {ATTRIBUTION_FILE} under each document that states it)"
            )
            continue
        quads += [pyoxigraph.Quad(t.subject, t.predicate, t.object, g) for g in graphs]
    return Attribution(quads, problems)


def _listed(path: Path) -> list[Any]:  # list[pyoxigraph.Quad]
    """The quads of the attribution file (TriG), any error of reading it one line naming it."""
    import pyoxigraph

    try:
        return list(
            pyoxigraph.parse(
                path=str(path), format=pyoxigraph.RdfFormat.TRIG, base_iri=base_iri(path)
            )
        )
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    except (SyntaxError, ValueError) as exc:
        raise _syntax_error(path, exc) from exc


def _editorial(triple: Any, of_editorial_file: bool, documents: set[Any]) -> bool:
    """Whether a triple is the editor's by rule 1 (see the module's docstring)."""
    return (
        of_editorial_file
        or triple.subject in documents
        or triple.predicate.value in EDITORIAL_PREDICATES
        or (triple.predicate.value == _TYPE and triple.object.value in EDITORIAL_TYPES)
    )


def add_graphs(store: Any, files: Iterable[Path]) -> int:
    """Add the per-document graphs of the data among ``files`` to ``store`` (a pyoxigraph Store
    that holds them in its default graph); return how many quads were added. Problems are left
    to the ``attribution`` gate: what is unattributed is in no document's graph."""
    found = attribute(files)
    if found is None:
        return 0
    store.extend(found.quads)
    return len(found.quads)
