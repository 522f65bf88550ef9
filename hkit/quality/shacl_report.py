"""The W3C SHACL validation report, written as Turtle."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import rdflib
from rdflib.namespace import XSD

#: The literals that Turtle may write without quotes, by datatype: the grammar's INTEGER,
#: DECIMAL, DOUBLE and BOOLEAN, which give back exactly that lexical form and datatype.
_SHORTHAND = {
    str(XSD.integer): re.compile(r"[+-]?[0-9]+"),
    str(XSD.decimal): re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    str(XSD.double): re.compile(
        r"[+-]?(?:[0-9]+\.[0-9]*[eE][+-]?[0-9]+|\.[0-9]+[eE][+-]?[0-9]+|[0-9]+[eE][+-]?[0-9]+)"
    ),
    str(XSD.boolean): re.compile(r"true|false"),
}


def turtle(graph: rdflib.Graph) -> str:
    """The graph as Turtle, laid out as rdflib lays it out, with every literal written so that a
    strict parser reads back the same term: rdflib writes a typed literal without quotes from
    its Python value, which is not Turtle for an ill-typed one (``"none"^^xsd:boolean`` came
    out as ``none``) and another term for some others (``"1"^^xsd:boolean`` as the integer
    ``1``, ``"1.0E0"^^xsd:double`` as ``1e+00``). Here a literal goes without quotes only when its
    lexical form is what Turtle's own shorthand for its datatype reads; every other one is
    quoted, escaped, with its datatype or language tag."""
    import io

    from rdflib.plugins.serializers.turtle import TurtleSerializer

    class Serializer(TurtleSerializer):
        def label(self, node: Any, position: int) -> str:
            if not isinstance(node, rdflib.Literal):
                return str(super().label(node, position))
            return _turtle_literal(node, lambda iri: self.get_pname(iri, False))

    out = io.BytesIO()
    Serializer(graph).serialize(out, encoding="utf-8")
    return out.getvalue().decode("utf-8")


def _turtle_literal(literal: rdflib.Literal, pname: Callable[[Any], str | None]) -> str:
    """One literal in Turtle: see :func:`turtle`."""
    text = str(literal)
    datatype = None if literal.datatype is None else str(literal.datatype)
    pattern = _SHORTHAND.get(datatype or "")
    if pattern is not None and pattern.fullmatch(text):
        return text
    quoted = '"{}"'.format(
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    if literal.language:
        return f"{quoted}@{literal.language}"
    if datatype is None:
        return quoted
    return f"{quoted}^^{pname(literal.datatype) or f'<{datatype}>'}"
