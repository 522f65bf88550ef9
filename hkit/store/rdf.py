"""Reading RDF files: into rdflib (plain and strict), and the formats pyoxigraph reads."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from hkit.core.answers import XSD_STRING
from hkit.core.errors import InputError
from hkit.store.files import rdf_format
from hkit.store.xml import refuse_doctype

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from typing import Any

    import rdflib


def _one_line(exc: BaseException | str) -> str:
    text = " ".join(str(exc).split())
    return text[:200] + ("..." if len(text) > 200 else "")


def load_rdflib(paths: Iterable[Path], graph: rdflib.Graph | None = None) -> rdflib.Graph:
    """Parse the files into one rdflib graph (or into ``graph``), literals kept exactly as
    written. pyoxigraph parses them: strictly, without ever fetching a JSON-LD context, and in
    linear time (rdflib's Turtle parser takes half a minute on a long string full of escapes)."""
    return load_rdflib_strict(paths, graph)


def english_label(graph: Any, term: Any) -> str | None:
    """A term's English (or untagged) rdfs:label, else its skos:prefLabel, in an rdflib graph."""
    import rdflib
    from rdflib.namespace import RDFS, SKOS

    for predicate in (RDFS.label, SKOS.prefLabel):
        for value in graph.objects(term, predicate):
            if isinstance(value, rdflib.Literal) and value.language in (None, "en"):
                return str(value)
    return None


def base_iri(path: Path) -> str:
    """The IRI that a file's relative IRIs (``<>``, ``<#x>``, ``<other.ttl>``) resolve against:
    the file's own ``file:`` URI, its absolute path as it was named (symbolic links are not
    followed), as Turtle and RDF/XML say (RFC 3986: the URI the document was retrieved from) and
    as rdflib, rapper and Jena read files. An explicit ``@base`` in the file still wins."""
    return Path(os.path.abspath(path)).as_uri()


def load_rdflib_strict(paths: Iterable[Path], graph: Any = None) -> Any:  # an rdflib.Graph
    """The files as one rdflib graph (or added to ``graph``), parsed by pyoxigraph: strict,
    literals exactly as written, and several times faster than rdflib's own parsers on large
    files. Each file's blank nodes are its own; relative IRIs resolve against the file's own
    location (:func:`base_iri`)."""
    import pyoxigraph
    import rdflib

    # rdflib merges distinct literals ("01" and "1" integers...) unless told not to (HAZARDS 8).
    rdflib.NORMALIZE_LITERALS = False
    quiet_ill_typed_literals()
    graph = rdflib.Graph() if graph is None else graph
    iris: dict[str, rdflib.URIRef] = {}

    def iri(value: str) -> rdflib.URIRef:
        node = iris.get(value)
        if node is None:
            node = iris[value] = rdflib.URIRef(value)
        return node

    for path in paths:
        bnodes: dict[str, rdflib.BNode] = {}

        def term(t: Any, bnodes: dict = bnodes) -> rdflib.term.Node:
            if isinstance(t, pyoxigraph.NamedNode):
                return iri(t.value)
            if isinstance(t, pyoxigraph.BlankNode):
                node = bnodes.get(t.value)
                if node is None:
                    node = bnodes[t.value] = rdflib.BNode()  # unique: never another file's
                return node
            return rdflib_literal(t, iri)

        with parsing(path) as fmt:
            add = graph.add
            for quad in pyoxigraph.parse(path=str(path), format=fmt, base_iri=base_iri(path)):
                add((term(quad.subject), iri(quad.predicate.value), term(quad.object)))
    return graph


class _IllTypedLiteral:
    """A logging filter: drops rdflib's record of a literal whose lexical form is not of its
    datatype (``"c"^^xsd:byte``), which it logs with a traceback as it makes the literal."""

    @staticmethod
    def filter(record: Any) -> bool:
        return not str(record.msg).startswith("Failed to convert Literal lexical form")


def quiet_ill_typed_literals() -> None:
    """rdflib logs a traceback, or warns (``"none"^^xsd:boolean``), for each ill-typed literal it
    is handed. hkit keeps such a literal as written, and SHACL reports it (``sh:datatype``), so
    neither is said on stderr. Idempotent."""
    import logging
    import warnings

    logger = logging.getLogger("rdflib.term")
    if not any(isinstance(f, _IllTypedLiteral) for f in logger.filters):
        logger.addFilter(_IllTypedLiteral())
        warnings.filterwarnings("ignore", "Parsing weird boolean", UserWarning, "rdflib.term")


def rdflib_literal(t: Any, iri: Callable[[str], Any]) -> Any:  # an rdflib.Literal
    """A pyoxigraph literal as rdflib's, exactly as written (with rdflib.NORMALIZE_LITERALS
    off: HAZARDS 8): tagged, plain for xsd:string, else typed with ``iri(datatype)``."""
    import rdflib

    if t.language:
        return rdflib.Literal(t.value, lang=t.language)
    datatype = t.datatype.value
    if datatype == XSD_STRING:
        return rdflib.Literal(t.value)
    return rdflib.Literal(t.value, datatype=iri(datatype))


@contextlib.contextmanager
def parsing(path: Path) -> Iterator[Any]:  # the pyoxigraph.RdfFormat of the file
    """Parse ``path`` inside this block: it gives the file's pyoxigraph format, refuses RDF/XML
    with a DOCTYPE first (entity expansion, HAZARDS 7), and turns every error of reading or
    parsing it into one line that names the file."""
    import pyoxigraph

    fmt = _oxigraph_format(path)
    try:
        if fmt == pyoxigraph.RdfFormat.RDF_XML:
            refuse_doctype(path)
        yield fmt
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    except (SyntaxError, ValueError) as exc:
        raise _syntax_error(path, exc) from exc
    except MemoryError as exc:
        raise _too_long(path, exc) from None


def _too_long(path: Path, exc: MemoryError) -> InputError:
    """pyoxigraph's parsers stop at a line or token over 16 MB with a MemoryError."""
    return InputError(
        f"{path}: a line or a value is too long to read ({_one_line(exc)})",
        hint="split the file's long lines, or keep very long texts out of the graph",
    )


def _syntax_error(path: Path, exc: Exception) -> InputError:
    """A parser's error as one line that names the file (and the line and column it gives)."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "LoadDocumentCallback" in text:
        return InputError(
            f"{path}: a JSON-LD @context that is not in the file is not fetched",
            hint="put the context inside the document",
        )
    if len(text) > 300:  # a parser may quote the whole offending token
        text = text[:299] + "…"
    return InputError(f"{path}: {text}")


def strict_parse(path: Path) -> int:
    """Parse one file with pyoxigraph's strict parser; return its triple count.

    Oxigraph rejects what stricter triple stores reject (HAZARDS 9), so this is the gate for every
    file hkit ships.
    """
    import pyoxigraph

    fmt = _oxigraph_format(path)
    if fmt == pyoxigraph.RdfFormat.RDF_XML:
        refuse_doctype(path)
    try:
        return sum(1 for _ in pyoxigraph.parse(path=str(path), format=fmt, base_iri=base_iri(path)))
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc})") from exc
    except SyntaxError as exc:
        raise _syntax_error(path, exc) from exc
    except MemoryError as exc:
        raise _too_long(path, exc) from None


def _oxigraph_format(path: Path):
    """The pyoxigraph format for a file, from the one suffix table, RDF_FORMATS."""
    import pyoxigraph

    return {
        "turtle": pyoxigraph.RdfFormat.TURTLE,
        "nt": pyoxigraph.RdfFormat.N_TRIPLES,
        "xml": pyoxigraph.RdfFormat.RDF_XML,
        "json-ld": pyoxigraph.RdfFormat.JSON_LD,
    }[rdf_format(path)]
