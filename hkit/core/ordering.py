"""SPARQL's ORDER BY, applied to the rows of an answer as the engine would order them."""

from __future__ import annotations

import re

from hkit.core.answers import XSD_STRING, Term
from hkit.core.vocab import XSD

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from typing import Any


#: Datatypes whose values order_rows compares as the engine does, by how it reads the value.
_ORDERED_AS = {
    XSD_STRING: "string",
    XSD + "integer": "number",
    XSD + "decimal": "number",
    XSD + "double": "double",
    XSD + "date": "temporal",
    XSD + "dateTime": "temporal",
    XSD + "gYear": "temporal",
    XSD + "gYearMonth": "temporal",
}


def order_rows(rows: list[dict[str, Term]], keys: list[tuple[str, bool, str]]) -> bool:
    """Sort ``rows`` in place by ``keys`` ((variable, descending, how) triples, as
    :func:`hkit.core.sparql.final_order` reads them) as SPARQL's ORDER BY does on the embedded
    engine: unbound first, then blank nodes, IRIs and literals, IRIs and strings by code point,
    numbers by value. A key by its text (how ``"STR"``) orders IRIs and literals by their text,
    after unbound values and blank nodes (which have none); with how ``"COALESCE"``, those have
    the empty text. Rows equal on every key keep their order. Return False, rows untouched,
    when a key holds literals this does not order exactly as the engine: of more than one kind
    (strings and numbers, two languages, integers and doubles), of another datatype (floats,
    booleans, times with a time zone...), or outside its datatype."""
    columns = []
    for variable, _, how in keys:
        column: list[tuple[int, Any]] = []
        kind: object = None  # of the column's literals: all must be of one
        none = (3, "") if how == "COALESCE" else (0, "")  # the key of a value with no text
        for row in rows:
            term = row.get(variable)
            if how:  # STR(): a simple literal; an error, so no value, for a blank node
                column.append(none if term is None or term.kind == "bnode" else (3, term.value))
            elif term is None:
                column.append((0, ""))
            elif term.kind != "literal":
                column.append((1 if term.kind == "bnode" else 2, term.value))
            else:
                this = (
                    ("@", term.lang)
                    if term.lang
                    else _ORDERED_AS.get(term.datatype or XSD_STRING, term.datatype)
                )
                if kind is None:
                    kind = this
                elif this != kind:
                    return False
                value = _ordered_value(term, this)
                if value is None:
                    return False
                column.append((3, value))
        columns.append(column)
    order = list(range(len(rows)))
    for column, (_, descending, _) in reversed(list(zip(columns, keys, strict=True))):
        order.sort(key=column.__getitem__, reverse=descending)  # stable, also when reversed
    rows[:] = [rows[i] for i in order]
    return True


# Digits within what the engine holds exactly (a 64-bit integer, a decimal of 18 places), so
# that a value it could not read as a number, and orders by its text, is never ordered here.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]{1,18}(?:\.[0-9]{0,18})?|\.[0-9]{1,18})")
_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
_TEMPORAL = re.compile(
    r"[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2}(?:T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?)?)?)?"
)
_DOUBLE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?INF")


def _ordered_value(term: Term, kind: object) -> Any:
    """The value by which the engine orders a literal of this kind (a string, a string in one
    language, a decimal or integer, a double, a date or time without a time zone), or None when
    order_rows cannot order it exactly (another datatype, a value outside its datatype, NaN)."""
    lexical = term.value
    if kind == "string" or isinstance(kind, tuple):
        return lexical
    if kind == "number" and (_DECIMAL if term.datatype == XSD + "decimal" else _INTEGER).fullmatch(
        lexical
    ):
        import decimal

        return decimal.Decimal(lexical)
    if kind == "double" and _DOUBLE.fullmatch(lexical):
        return float(lexical.replace("INF", "inf"))
    if kind == "temporal" and _TEMPORAL.fullmatch(lexical):
        # In these forms the text orders as the value does, and values of two datatypes are
        # ordered by their text, then their datatype, as the engine orders them.
        return lexical, term.datatype
    return None
