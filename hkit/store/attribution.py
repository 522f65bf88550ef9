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
#: The last line of the documents' graphs kept in the cache folder: a file without it is cut short.
_END = b"# the end\n"
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
    node = pyoxigraph.NamedNode
    # (set membership: comparing two pyoxigraph terms with == is 20 times slower)
    file_name, derived, a = {node(_FILE_NAME)}, {node(_DERIVED)}, {node(_TYPE)}
    by_rule = {node(p) for p in EDITORIAL_PREDICATES}
    types, names, editorial = (
        {node(c) for c in EDITORIAL_TYPES},
        {node(p) for p in NAMES},
        node(EDITORIAL),
    )
    triples: dict[Any, bool] = {}  # triple -> whether it is the editor's by rule 1
    for path in (p for p in files if p.parent == listing.parent and p.suffix == ".ttl"):
        by_editor = path.name in EDITORIAL_FILES
        with parsing(path) as fmt:
            for quad in pyoxigraph.parse(path=str(path), format=fmt, base_iri=base_iri(path)):
                p = quad.predicate
                triples[quad.triple] = (
                    by_editor or p in by_rule or (p in a and quad.object in types)
                ) or triples.get(quad.triple, False)
    documents = {t.subject for t in triples if t.predicate in file_name}
    cites: dict[Any, set[Any]] = {}
    for t in triples:
        if t.predicate in derived and t.object in documents:
            cites.setdefault(t.subject, set()).add(t.object)

    editorial_graph = {editorial}
    problems: list[str] = []
    listed: dict[Any, set[Any]] = {}
    for quad in _listed(listing):
        graph, triple = quad.graph_name, quad.triple
        problem = None
        if graph not in editorial_graph and graph not in documents:
            problem = f"its graph {graph} is neither a source document nor {EDITORIAL}"
        elif triple not in triples:
            problem = "the data does not assert it"
        elif graph not in editorial_graph and (triples[triple] or triple.subject in documents):
            problem = "a triple of the editor's by rule, never a document's"
        elif graph not in editorial_graph and graph not in cites.get(quad.subject, ()):
            problem = f"its subject does not cite {compact(graph.value)}"
        else:
            listed.setdefault(triple, set()).add(graph)
        if problem:
            problems.append(f"{listing.name}: {_show(quad)}: {problem}")
    for triple, named in listed.items():
        if editorial in named and len(named) > 1:
            problems.append(
                f"{listing.name}: {_show(triple)}: listed as the editor's and as a document's"
            )

    quads = []
    for t, by_editor in triples.items():
        subject = t.subject
        if by_editor or subject in documents:
            graphs: Iterable[Any] = editorial_graph
        elif t in listed:
            graphs = listed[t]
        elif t.predicate in names:
            graphs = editorial_graph
        elif len(cites.get(subject, ())) == 1:
            graphs = cites[subject]
        else:
            cited = ", ".join(sorted(compact(d.value) for d in cites.get(subject, ())))
            problems.append(
                f"not attributed: {_show(t)} (its subject cites {cited or 'no document'}; "
                f"list it in {ATTRIBUTION_FILE} under each document that states it)"
            )
            continue
        quads += [pyoxigraph.Quad(subject, t.predicate, t.object, g) for g in graphs]
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


def add_graphs(store: Any, files: Iterable[Path], kept: Path | None = None) -> int:
    """Add the per-document graphs of the data among ``files`` to ``store`` (a pyoxigraph Store
    that holds them in its default graph); return how many quads were added. Problems are left
    to the ``attribution`` gate: what is unattributed is in no document's graph.

    ``kept``, when given, is a file in the cache folder for these files in their current state
    (the attribution file among them): the graphs are read back from it when it is there, and
    written to it when it is not (deciding them costs about as much as parsing the data again);
    a file that cannot be read or written is passed by."""
    import pyoxigraph

    if kept is not None and kept.is_file():
        try:
            text = kept.read_bytes()
            if text.endswith(_END):  # a file cut short is not used
                store.load(text, format=pyoxigraph.RdfFormat.N_QUADS)
                return text.count(b"\n") - 1
        except (OSError, SyntaxError, ValueError):  # unreadable: made again below
            pass
    found = attribute(files)
    if found is None:
        return 0
    store.extend(found.quads)
    if kept is not None:
        _keep(found.quads, kept)
    return len(found.quads)


def _keep(quads: list[Any], kept: Path) -> None:
    """Write ``quads`` to ``kept`` as N-Quads, whole or not at all, and remove those kept for
    earlier states of the same files."""
    import contextlib
    import os
    import tempfile

    import pyoxigraph

    name = None
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=".", suffix=".nq", dir=kept.parent)
        with os.fdopen(handle, "wb") as out:
            pyoxigraph.serialize(quads, out, format=pyoxigraph.RdfFormat.N_QUADS)
            out.write(_END)
        os.replace(name, kept)
        for old in kept.parent.glob(kept.name.split("-")[0] + "-*.nq"):
            if old != kept:
                old.unlink(missing_ok=True)
    except OSError:
        if name is not None:
            with contextlib.suppress(OSError):
                os.unlink(name)
