"""Serialising the graph for other triple stores: deterministic, lossless, in six formats.

Everything is parsed and written by pyoxigraph, which keeps every literal exactly as written (no
rounded doubles, no merged literals: HAZARDS 8 and 11) and rejects invalid IRIs and language tags.
Output is deterministic: blank nodes are relabelled in the order the files are read (``_:b0``,
``_:b1``...), and statements are sorted, so the same input gives the same bytes on every run.

Named-graph layout, for the dataset formats (TriG, N-Quads and JSON-LD):

- ``<https://w3id.org/hkit/ontology>``: the ontology (``ontology/hkit.ttl``);
- ``<https://w3id.org/hkit/data>``: the data (``data/*.ttl``) and any ``--data`` files.

- ``<https://w3id.org/hkit/inferred>``, when asked for: what the ontology entails and the
  other two do not state (docs/reasoning.md);
- one graph per source document, named by the document node's IRI (``id:doc-002``): the
  triples of the data that the document states, and ``<https://w3id.org/hkit/editorial>``: the
  editor's own (:mod:`hkit.store.attribution`). Each of their triples is in the data graph too.

A store that should answer hkit's saved queries needs the ontology and the data graphs as its
default graph (both named as ``default-graph-uri``, or a union default graph that holds each
triple once); the saved queries give the same rows with
the inferred graph or without it. The triple formats (Turtle, N-Triples, RDF/XML) hold the union.

JSON-LD is a document with hkit's prefixes as its ``@context`` and, under ``@graph``, one named
graph object for each graph; IRIs are written ``prefix:local`` where a prefix fits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from hkit.core import vocab
from hkit.core.errors import InputError
from hkit.core.formats import EXPORT, get
from hkit.core.vocab import PREFIXES
from hkit.store import attribution, closure
from hkit.store.files import graph_files
from hkit.store.rdf import base_iri, parsing

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from typing import Any

ONTOLOGY_GRAPH = vocab.ONTOLOGY_IRI
DATA_GRAPH = "https://w3id.org/hkit/data"


# Characters XML 1.0 cannot carry at all, not even as character references.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def read_quads(files: Iterable[tuple[Path, str]]) -> list:  # list[pyoxigraph.Quad]
    """Parse each (file, graph IRI) with pyoxigraph, relabelling blank nodes in reading order."""
    return list(_read(files))


def _read(files: Iterable[tuple[Path, str]]) -> Iterator[Any]:  # of pyoxigraph.Quad
    """:func:`read_quads`'s quads, one at a time."""
    import pyoxigraph

    counter = 0
    for path, graph in files:
        labels: dict[str, pyoxigraph.BlankNode] = {}

        def relabel(term: Any, labels: dict = labels) -> Any:
            nonlocal counter
            if isinstance(term, pyoxigraph.BlankNode):
                if term.value not in labels:
                    labels[term.value] = pyoxigraph.BlankNode(f"b{counter}")
                    counter += 1
                return labels[term.value]
            return term

        target = pyoxigraph.NamedNode(graph)
        with parsing(path) as fmt:
            for quad in pyoxigraph.parse(path=str(path), format=fmt, base_iri=base_iri(path)):
                yield pyoxigraph.Quad(
                    relabel(quad.subject), quad.predicate, relabel(quad.object), target
                )


def _key(quad: Any) -> str:
    """Sort by graph, then subjects (IRIs before blank nodes), predicate, object: one string
    per quad, its parts as pyoxigraph writes its terms (N-Triples, where a NUL is written
    ``\\u0000``) joined by NULs, so that it orders as the tuple of its parts would, in about half
    the tuple's memory for ASCII text (a sort holds every key at once: gigabytes at ten million
    quads). An object that is a triple term is written without its ``<<( )>>``, so its key ends
    in a part of its own that says so (after a NUL: the order is the same)."""
    import pyoxigraph

    blank = pyoxigraph.BlankNode
    subject, obj = quad.subject, quad.object
    return (
        f"{quad.graph_name}\0{'1' if isinstance(subject, blank) else '0'}{subject}"
        f"\0{quad.predicate}\0{'1' if isinstance(obj, blank) else '0'}{obj}"
        f"{_TRIPLE_TERM if isinstance(obj, pyoxigraph.Triple) else ''}"
    )


#: The last part of the key of a quad whose object is a triple term.
_TRIPLE_TERM = "\0T"


def export_files(root: Path, extra: Iterable[Path] = ()) -> list[tuple[Path, str]]:
    """The files to export, each with the named graph it goes in."""

    files = graph_files(root, extra)
    return [(files[0], ONTOLOGY_GRAPH), *((path, DATA_GRAPH) for path in files[1:])]


def serialize(quads: Iterable, fmt: str) -> bytes:
    """The quads in the export format ``fmt`` (hkit.core.formats), deterministically: in
    pyoxigraph's format of its media type, the named graphs kept in a dataset format and merged
    in the others."""
    return b"".join(_chunks({_key(q) for q in quads}, fmt))


#: The formats whose statements are written one to a line, with nothing before or after them:
#: written a batch of statements at a time, they give the same bytes as written whole.
_LINE_FORMATS = ("ntriples", "nquads")


def _chunks(keys: set[str], fmt: str) -> Iterator[bytes]:
    """The quads whose keys (:func:`_key`) are ``keys``, as :func:`serialize` writes them, in
    pieces: only the keys are held, sorted, and the quads are read back from them as they are
    written (a quad object takes about twice its key's memory: gigabytes at ten million quads).
    N-Triples and N-Quads come a batch of statements at a time, written as they are asked for,
    so that their bytes are never held whole; the other formats whole, written (and any refusal
    raised) before this returns. Once sorted, the keys are held only as a list (the set is let
    go, where nothing else holds it)."""
    spec = get(fmt, EXPORT)
    if not spec.dataset:  # the union: each triple once, whatever its graphs
        keys = {"DEFAULT" + key[key.index("\0") :] for key in keys}
    ordered = sorted(keys)
    del keys
    if fmt in _LINE_FORMATS:
        return (_written(batch, fmt, spec.media_type) for batch in _batches(ordered, spec.dataset))
    if fmt in ("rdfxml", "jsonld"):  # their checks and their document need every statement
        if any(key.endswith(_TRIPLE_TERM) for key in ordered):
            raise InputError(
                f"the graph cannot be written as {fmt}: it holds a triple term (RDF 1.2)",
                hint="use --format ntriples, nquads, turtle or trig",
            )
        statements = list(_from_keys(ordered, spec.dataset))
        if fmt == "rdfxml":
            _check_xml(statements)
            return iter([_written(statements, fmt, spec.media_type)])
        return iter([_jsonld(statements)])
    return iter([_written(_from_keys(ordered, spec.dataset), fmt, spec.media_type)])


def _written(statements: Iterable, fmt: str, media_type: str) -> bytes:
    """The statements written by pyoxigraph into a buffer of this process as it goes, so that
    the output is held once (written whole, pyoxigraph would hold it as well as its copy)."""
    import io

    import pyoxigraph

    prefixes = PREFIXES if fmt in ("turtle", "trig", "rdfxml") else None
    out = io.BytesIO()
    try:
        pyoxigraph.serialize(
            statements,
            out,
            format=pyoxigraph.RdfFormat.from_media_type(media_type),
            prefixes=prefixes,
        )
    except (ValueError, SyntaxError) as exc:
        raise InputError(f"the graph cannot be written as {fmt}: {exc}") from exc
    return out.getvalue()


def _from_keys(keys: list[str], quads: bool = True) -> Iterator[Any]:
    """The statements whose keys (:func:`_key`) are ``keys``, in their order: quads, or with
    ``quads`` False triples (:func:`_batches`, one after another)."""
    for batch in _batches(keys, quads):
        yield from batch


#: How many statements are parsed back from their keys at a time (and written at a time, in
#: N-Triples and N-Quads).
BATCH = 50_000


def _batches(keys: list[str], quads: bool = True) -> Iterator[Iterator[Any]]:
    """The statements whose keys (:func:`_key`) are ``keys``, in their order, in batches of up to
    :data:`BATCH`: quads, or with ``quads`` False triples; parsed back from N-Quads (a key's
    parts are its terms as pyoxigraph writes them). Each batch is an iterator, not a list: a
    list of 50,000 quads made writing a million triples half as slow again."""
    import pyoxigraph

    for start in range(0, len(keys), BATCH):
        lines = []
        for key in keys[start : start + BATCH]:
            graph, subject, predicate, obj, *triple_term = key.split("\0")
            if triple_term:
                obj = f"0<<( {obj[1:]} )>>"
            named = "" if graph == "DEFAULT" else f" {graph}"
            lines.append(f"{subject[1:]} {predicate} {obj[1:]}{named} .\n")
        parsed = pyoxigraph.parse("".join(lines), format=pyoxigraph.RdfFormat.N_QUADS)
        yield (quad if quads else quad.triple for quad in parsed)


def _jsonld(quads: list) -> bytes:
    """The quads as a JSON-LD document: hkit's prefixes as its ``@context``, the named graphs as
    graph objects under its ``@graph``, in the quads' order. pyoxigraph writes the statements
    (expanded, every literal's lexical form as it is); the IRIs are then written compactly. A
    prefix that is also the scheme of an IRI written in full (``schema:x`` as an IRI of its
    own) is left out of the context, so that no processor reads that IRI as a compact one."""
    import pyoxigraph

    written = pyoxigraph.serialize(quads, format=pyoxigraph.RdfFormat.JSON_LD)
    expanded = json.loads(written or b"[]")
    schemes = {iri.partition(":")[0] for iri in _iris(expanded)}
    context = {prefix: ns for prefix, ns in PREFIXES.items() if prefix not in schemes}

    def compact(iri: str) -> str:
        for prefix, ns in context.items():
            # (a local part that starts with // would read as an IRI with an authority)
            if iri.startswith(ns) and len(iri) > len(ns) and not iri[len(ns) :].startswith("//"):
                return f"{prefix}:{iri[len(ns) :]}"
        return iri

    def rewrite(item: Any, key: str = "") -> Any:
        if isinstance(item, list):
            return [rewrite(x, key) for x in item]
        if isinstance(item, dict):
            return {
                (k if k.startswith("@") else compact(k)): rewrite(v, k) for k, v in item.items()
            }
        if isinstance(item, str) and key in ("@id", "@type") and not item.startswith("_:"):
            return compact(item)
        return item

    document = {"@context": context, "@graph": rewrite(expanded)}
    return (json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def _iris(item: Any, key: str = "") -> Iterable[str]:
    """Every IRI of expanded JSON-LD: properties, node and datatype IRIs (not blank nodes)."""
    if isinstance(item, list):
        for x in item:
            yield from _iris(x, key)
    elif isinstance(item, dict):
        for k, v in item.items():
            if not k.startswith("@"):
                yield k
            yield from _iris(v, k)
    elif isinstance(item, str) and key in ("@id", "@type") and not item.startswith("_:"):
        yield item


def _check_xml(triples: list) -> None:
    """Refuse what RDF/XML cannot carry, instead of writing a file no parser reads back."""
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object):
            found = _NOT_XML.search(term.value)
            if found:
                char = found.group()
                raise InputError(
                    f"the graph cannot be written as rdfxml: {term} contains the character "
                    f"U+{ord(char):04X}, which XML 1.0 cannot represent",
                    hint="use --format ntriples, nquads, turtle or trig",
                )
        local = re.search(
            r"[A-Za-z_\u00c0-\U000effff][\w.\-\u00b7\u0300-\u036f]*$", triple.predicate.value
        )
        if local is None:
            raise InputError(
                f"the graph cannot be written as rdfxml: the predicate {triple.predicate} has no "
                "XML local name",
                hint="use --format ntriples, nquads, turtle or trig",
            )


def with_inferred(keys: set[str]) -> None:
    """Add to ``keys`` (:func:`_key`) what their quads entail (:mod:`hkit.store.closure`), the
    inferred triples in the graph ``<https://w3id.org/hkit/inferred>``. The closure is computed
    on these very quads, so its blank nodes are theirs and the output stays deterministic."""
    import pyoxigraph

    store = pyoxigraph.Store()
    store.extend(pyoxigraph.Quad(q.subject, q.predicate, q.object) for q in _from_keys([*keys]))
    closure.materialise(store)
    graph = pyoxigraph.NamedNode(closure.INFERRED)
    keys.update(_key(q) for q in store.quads_for_pattern(None, None, None, graph))


def with_documents(keys: set[str], files: Iterable[Path]) -> None:
    """Add to ``keys`` (:func:`_key`) each source document's named graph of the data among
    ``files``, with the editor's graph (:mod:`hkit.store.attribution`)."""
    found = attribution.attribute(files)
    if found is not None:
        keys.update(_key(q) for q in found.quads)


def export(root: Path, fmt: str, extra: Iterable[Path] = (), inferred: bool = False) -> bytes:
    """The ontology and the data (and ``extra`` files) in the export format ``fmt``, by its
    renderer in the format registry; with ``inferred``, what they entail as well. The dataset
    formats carry each source document's named graph besides; the others hold the union, which
    those graphs add nothing to. Each statement is held as its key alone until it is written
    (:func:`_chunks`); a renderer registered for another format is given the quads,
    sorted, each once."""
    return b"".join(export_chunks(root, fmt, extra, inferred))


def export_chunks(
    root: Path, fmt: str, extra: Iterable[Path] = (), inferred: bool = False
) -> Iterator[bytes]:
    """:func:`export`'s bytes in pieces, for writing as they come: the files are read, and any
    error in them or refusal of the format raised, before this returns. N-Triples and N-Quads
    then come a batch of statements at a time, so that the output's bytes are never held whole
    (the sorted statements are, as keys); the other formats come whole. Only an error of
    pyoxigraph's writer could then stop the pieces partway."""
    render = get(fmt, EXPORT).load()
    if render is serialize:  # hkit's own writer, which reads the keys alone
        # the set is made in the call, so that _chunks holds the only reference to it and can
        # let it go once sorted (a local here would keep it while a whole format is written)
        return _chunks(_keys(root, fmt, extra, inferred), fmt)
    # a renderer registered for another format is given the quads
    return iter([render(list(_from_keys(sorted(_keys(root, fmt, extra, inferred)))), fmt)])


def _keys(root: Path, fmt: str, extra: Iterable[Path], inferred: bool) -> set[str]:
    """The keys (:func:`_key`) of every statement that :func:`export` writes in ``fmt``."""
    files = export_files(root, extra)
    keys = {_key(q) for q in _read(files)}
    if inferred:
        with_inferred(keys)
    if get(fmt, EXPORT).dataset:
        with_documents(keys, [path for path, _ in files])
    return keys
