"""An answer as a ``pandas.DataFrame`` whose columns have the types an analyst computes with
(pandas is imported only here, and only when a frame is asked for).

Each column is typed by the RDF terms it holds:

- numbers: a nullable ``Int64`` column when every number is an integer, else ``Float64``; with
  ``exact=True`` a column of ``decimal.Decimal`` (``object``), exact for sums of money;
- exact dates (``xsd:date``, ``xsd:dateTime``, or text such as ``2023-12-06``): ``datetime64``;
- a column that also holds years, months or ranges (``2024``, ``2024/2025``, ``../2023``, as the
  saved queries write a period a source bounds): the text as it is, and beside it ``<name>_start``
  and ``<name>_end`` (``datetime64``: the first and the last day the text allows; empty where it
  leaves that end open or gives no date);
- booleans: ``boolean``; IRIs and other text: ``string`` (an IRI in full);
- a missing value is ``<NA>`` (``NaT`` for dates), never ``NaN`` in a text column.
"""

from __future__ import annotations

import re

from hkit.core.values import INTEGERS
from hkit.core.vocab import XSD

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from typing import Any

    from hkit.core.answers import Result, Term

_NUMBERS = INTEGERS | {XSD + "decimal", XSD + "double", XSD + "float"}
_DATES = {XSD + "date", XSD + "dateTime"}
_PERIODS = {XSD + "gYear", XSD + "gYearMonth"}
_DAY = r"\d{4}-\d{2}-\d{2}"
_END = r"(?:\d{4}(?:-\d{2}(?:-\d{2})?)?|\.\.)"
#: A period as the saved queries write it: a date, a year or a month, or an EDTF-style range of
#: them with ``..`` for an open end.
_PERIOD = re.compile(rf"{_END}(?:/{_END})?")
#: What a query writes where a source gives no date.
NO_DATE = {"", "not given"}


def frame(result: Result, exact: bool = False, names: dict[str, str] | None = None) -> Any:
    """``result``'s rows as a typed ``pandas.DataFrame`` (see the module's docstring); the texts
    that are source file names are shown by ``names`` (file name to what a person knows the
    document by) when given."""
    import pandas  # the pandas extra, imported here only

    columns: dict[str, Any] = {}
    for var in result.variables:
        terms = [row.get(var) for row in result.rows]
        columns.update(_typed(pandas, var, terms, exact, names or {}))
    return pandas.DataFrame(columns, index=pandas.RangeIndex(len(result.rows)))


def _typed(
    pandas: Any, var: str, terms: list[Term | None], exact: bool, names: dict[str, str]
) -> dict[str, Any]:
    present = [t for t in terms if t is not None]
    literals = [t for t in present if t.kind == "literal"]
    if present and len(literals) == len(present):
        datatypes = {t.datatype for t in literals}
        if datatypes <= _NUMBERS:
            return {var: _numbers(pandas, terms, datatypes, exact)}
        if datatypes == {XSD + "boolean"}:
            values = [None if t is None else t.value in ("true", "1") for t in terms]
            return {var: pandas.array(values, dtype="boolean")}
        dated = [t for t in literals if t.value not in NO_DATE]
        if dated and all(_is_period(t) for t in dated):
            if all(_is_day(t) for t in dated):
                return {var: pandas.to_datetime([_day(t) for t in terms])}
            starts = [_bound(t, 0) for t in terms]
            ends = [_bound(t, 1) for t in terms]
            return {
                var: pandas.array([None if t is None else t.value for t in terms], dtype="string"),
                f"{var}_start": pandas.to_datetime(starts),
                f"{var}_end": pandas.to_datetime(ends),
            }
    texts = [None if t is None else _named(t.value, names) for t in terms]
    return {var: pandas.array(texts, dtype="string")}


def _numbers(pandas: Any, terms: list[Term | None], datatypes: set[str | None], exact: bool) -> Any:
    from decimal import Decimal, InvalidOperation

    if datatypes <= INTEGERS:
        return pandas.array([None if t is None else int(t.value) for t in terms], dtype="Int64")
    if exact:
        values: list[object] = []
        for t in terms:
            try:
                values.append(None if t is None else Decimal(t.value))
            except InvalidOperation:
                values.append(None)
        return pandas.Series(values, dtype="object")
    return pandas.array([None if t is None else float(t.value) for t in terms], dtype="Float64")


def _is_period(t: Term) -> bool:
    if t.datatype in _DATES or t.datatype in _PERIODS:
        return True
    return t.datatype in (None, XSD + "string") and bool(_PERIOD.fullmatch(t.value))


def _is_day(t: Term) -> bool:
    return t.datatype in _DATES or bool(re.fullmatch(_DAY, t.value))


def _day(t: Term | None) -> str | None:
    if t is None or t.value in NO_DATE:
        return None
    return t.value[:10]


def _bound(t: Term | None, end: int) -> str | None:
    """The first (``end`` 0) or the last (1) day a period allows, as ISO text; None when open."""
    if t is None or t.value in NO_DATE:
        return None
    parts = t.value[:10].split("/") if "/" not in t.value else t.value.split("/")
    text = parts[min(end, len(parts) - 1)]
    if text == "..":
        return None
    text = text[:10]
    if len(text) == 4:
        return f"{text}-01-01" if end == 0 else f"{text}-12-31"
    if len(text) == 7:
        if end == 0:
            return f"{text}-01"
        import calendar

        year, month = int(text[:4]), int(text[5:7])
        return f"{text}-{calendar.monthrange(year, month)[1]:02d}"
    return text


def _named(text: str, names: dict[str, str]) -> str:
    """A text that is a source's file name (or several, joined by "; ") as the source's name."""
    if not names:
        return text
    parts = text.split("; ")
    return "; ".join(names[p] for p in parts) if all(p in names for p in parts) else text
