"""What keeps a shapes file's SHACL-SPARQL from reaching outside the graph: its prefix
declarations are checked, and every SPARQL text rdflib is handed while hkit validates is
read-only-checked."""

from __future__ import annotations

import re
import threading
from typing import Any

import rdflib
from rdflib.namespace import SH

from hkit.core.errors import InputError, QueryError
from hkit.core.sparql import check_query


def _check_parses(query: str, shapes: rdflib.Graph) -> None:
    """A SHACL-SPARQL constraint must be SPARQL that pyshacl's parser (rdflib's) reads, with the
    shapes graph's prefixes; else a one-line error instead of pyshacl's raw parser exception."""
    from rdflib.plugins.sparql import prepareQuery

    namespaces = {prefix: str(ns) for prefix, ns in shapes.namespaces() if prefix}
    for declared in shapes.objects(None, SH.declare):  # the prefixes pyshacl adds (sh:prefixes)
        prefix, namespace = shapes.value(declared, SH.prefix), shapes.value(declared, SH.namespace)
        if prefix is not None and namespace is not None:
            namespaces[str(prefix)] = str(namespace)
    try:
        prepareQuery(query, initNs=namespaces)
    except Exception as exc:
        text = " ".join(str(exc).split())[:200]
        raise InputError(
            f"a SPARQL constraint in the shapes is not valid SPARQL: {text}",
            hint="check the sh:select or sh:ask text of the shape",
        ) from None


#: SPARQL's PN_PREFIX (ASCII letters, digits, '_', '-', '.' inside, and the letters beyond
#: ASCII that SPARQL names may hold), as a prefix declaration must spell it.
_PN_PREFIX = re.compile(r"(?:[^\W\d_](?:[\w.\-\u00b7\u0300-\u036f\u203f\u2040]*[\w\-\u00b7])?)?")
_IRI_CHARS = re.compile(r"[^\x00-\x20<>\"{}|^`\\]*")


def _check_declarations(shapes: rdflib.Graph) -> None:
    """Every prefix declaration (``sh:declare``) must be a SPARQL prefix and an absolute IRI:
    pyshacl pastes both into ``PREFIX p: <namespace>`` as they are, so a namespace that closes
    the IRI could append any query text (SERVICE included)."""
    import pyoxigraph

    for declaration in shapes.objects(None, SH.declare):
        for prefix in shapes.objects(declaration, SH.prefix):
            if not (isinstance(prefix, rdflib.Literal) and _PN_PREFIX.fullmatch(str(prefix))):
                raise InputError(
                    f"the shapes declare the prefix '{_short(prefix)}', which is not a SPARQL "
                    "prefix name",
                    hint="sh:prefix takes a name such as \"ex\" (letters, digits, '_', '-')",
                )
        for namespace in shapes.objects(declaration, SH.namespace):
            text = str(namespace)
            try:
                pyoxigraph.NamedNode(text)
                valid = _IRI_CHARS.fullmatch(text) is not None
            except ValueError:
                valid = False
            if not valid:
                raise InputError(
                    f"the shapes declare the namespace '{_short(namespace)}', which is not an "
                    "absolute IRI",
                    hint='sh:namespace takes an IRI, such as "http://example.org/ns#"^^xsd:anyURI',
                )


def _short(node: object) -> str:
    text = " ".join(str(node).split())
    return text if len(text) <= 80 else text[:79] + "…"


def _refuse_unsafe_queries(shapes: rdflib.Graph) -> None:
    """SHACL-SPARQL constraints are queries too: pyshacl would run a SERVICE in one (HAZARDS 6,
    16). Updates are refused, prefix declarations checked, and every query is checked as an
    ad-hoc query is (and again as pyshacl assembles it: see :class:`_CheckedSparql`)."""

    _check_declarations(shapes)
    for predicate in (SH.select, SH.ask, SH.construct, SH.update):
        for query in shapes.objects(None, predicate):
            if predicate == SH.update:
                raise InputError("the shapes contain a SPARQL update (sh:update), which is refused")
            check_query(str(query), "a SPARQL constraint in the shapes")
            _check_parses(str(query), shapes)


# -- every SPARQL text pyshacl runs ------------------------------------------------------------
#
# pyshacl assembles the text it runs itself (prefix declarations pasted before sh:select, values
# substituted into constraint components' validators, SPARQL targets): while hkit validates, each
# text rdflib's SPARQL parser is handed passes hkit's read-only check first. pyshacl reports
# some errors in a constraint as a failed constraint rather than raising them (HAZARDS 16), so a
# refusal is also recorded, and raised once pyshacl returns.

_guarding = 0
_local = threading.local()  # each thread's refusals: validations in two threads keep theirs


def _refusals() -> list[str]:
    if not hasattr(_local, "refusals"):
        _local.refusals = []
    refusals: list[str] = _local.refusals
    return refusals


def _install_guard() -> None:
    """Wrap the parser functions that rdflib's SPARQL processor calls (once per process)."""
    from rdflib.plugins.sparql import processor

    if getattr(processor.parseQuery, "_hkit_guard", False):
        return
    parse_query, parse_update = processor.parseQuery, processor.parseUpdate

    def guarded_query(text: Any) -> Any:
        if _guarding > 0 and isinstance(text, str):
            try:
                check_query(text, "a SPARQL query that the shapes make")
            except QueryError as exc:
                _refusals().append(exc.message)
                raise
        return parse_query(text)

    def guarded_update(text: Any) -> Any:
        if _guarding > 0:
            message = "the shapes make a SPARQL update, which is refused"
            _refusals().append(message)
            raise InputError(message)
        return parse_update(text)

    guarded_query._hkit_guard = True  # type: ignore[attr-defined]
    processor.parseQuery = guarded_query
    processor.parseUpdate = guarded_update


class _CheckedSparql:
    """While active, every SPARQL text rdflib parses in this process is checked; on leaving,
    a refused text is raised as an InputError, whatever pyshacl made of it."""

    def __enter__(self) -> None:
        global _guarding
        _install_guard()
        _guarding += 1
        self.before = len(_refusals())

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        global _guarding
        _guarding -= 1
        refused = _refusals()[self.before :]
        del _refusals()[self.before :]
        if refused:
            raise InputError(refused[0], hint="queries are read-only and run on hkit's graph only")
