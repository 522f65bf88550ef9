"""Answers as the files analysts open: an Excel workbook (``.xlsx``, with openpyxl) and an Apache
Parquet table (``.parquet``, with pyarrow), each an optional extra imported only here.

Every column of the answer is kept, as in CSV; values are typed where the cell can carry the
type: numbers as numbers (integers as integers, decimals exactly), booleans as booleans, dates
and date-times without a time zone as dates; everything else (IRIs, text, years, year-months,
date-times with a time zone, which a spreadsheet cell cannot hold) as text, written as CSV
writes it.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal, InvalidOperation

from hkit.core.answers import Result, Term
from hkit.core.errors import HkitError
from hkit.core.values import INTEGERS
from hkit.core.vocab import XSD

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from typing import Any

#: When the workbook says it was made: fixed, so that the same answer gives the same bytes.
_MADE = datetime.datetime(2000, 1, 1)


def cell(term: Term | None) -> Any:
    """The Python value a typed cell holds for ``term`` (None for an unbound value)."""
    if term is None:
        return None
    if term.kind != "literal" or term.datatype is None:
        return term.value
    try:
        if term.datatype in INTEGERS:
            return int(term.value)
        if term.datatype == XSD + "decimal":
            return Decimal(term.value)
        if term.datatype in (XSD + "double", XSD + "float"):
            return float(term.value)
        if term.datatype == XSD + "boolean":
            return term.value in ("true", "1")
        if term.datatype == XSD + "date" and len(term.value) == 10:
            return datetime.date.fromisoformat(term.value)
        if term.datatype == XSD + "dateTime":
            moment = datetime.datetime.fromisoformat(term.value.replace("Z", "+00:00"))
            return moment if moment.tzinfo is None else term.value
    except (ValueError, InvalidOperation):
        return term.value  # not a valid lexical form: the text as it is
    return term.value


def _rows(result: Result) -> list[list[Any]]:
    if result.form != "SELECT":
        raise HkitError(
            f"a {result.form} answer has no spreadsheet form", hint="use --format turtle"
        )
    return [[cell(row.get(v)) for v in result.variables] for row in result.rows]


def to_xlsx(result: Result) -> bytes:
    """The answer as an Excel workbook: one sheet, a header row, a row per solution."""
    try:
        import openpyxl  # heavy, and an optional extra: only for an .xlsx file
    except ImportError:
        raise HkitError("writing .xlsx needs openpyxl", hint="pip install 'hkit[xlsx]'") from None
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "answer"
    sheet.append(list(result.variables))
    for values in _rows(result):
        sheet.append(values)
    for column in sheet.iter_cols(min_row=2):
        for item in column:
            if isinstance(item.value, datetime.datetime):
                item.number_format = "yyyy-mm-dd hh:mm:ss"
            elif isinstance(item.value, datetime.date):
                item.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    book.properties.creator = "hkit"
    book.properties.created = book.properties.modified = _MADE
    out = io.BytesIO()
    book.save(out)
    return _fixed_times(out.getvalue())


def _fixed_times(data: bytes) -> bytes:
    """The workbook with every zip entry dated ``_MADE`` and its modified time fixed, so that the
    same answer gives the same bytes (openpyxl stamps both with the time of saving)."""
    import re
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>2000-01-01T00:00:00Z\2", content
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=_MADE.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, content)
    return out.getvalue()


def to_parquet(result: Result) -> bytes:
    """The answer as an Apache Parquet table: a column per variable, typed when every value of
    the column has one type (else text)."""
    try:
        import pyarrow  # heavy, and an optional extra: only for a .parquet file
        import pyarrow.parquet
    except ImportError:
        raise HkitError(
            "writing .parquet needs pyarrow", hint="pip install 'hkit[parquet]'"
        ) from None
    rows = _rows(result)
    columns = {}
    for i, name in enumerate(result.variables):
        values = [row[i] for row in rows]
        kinds = {type(v) for v in values if v is not None}
        if kinds == {Decimal}:  # exact decimals, at the largest scale the column has
            scale = max(-v.as_tuple().exponent for v in values if v is not None)
            kinds = {float} if scale > 18 else kinds
            if kinds == {Decimal}:
                columns[name] = pyarrow.array(values, type=pyarrow.decimal128(38, max(scale, 0)))
                continue
        if len(kinds) > 1 or kinds == {float}:
            if kinds <= {int, float, Decimal}:
                columns[name] = pyarrow.array(
                    [None if v is None else float(v) for v in values], type=pyarrow.float64()
                )
                continue
            if len(kinds) > 1:
                values = [None if v is None else str(v) for v in values]
        columns[name] = pyarrow.array(values)
    table = pyarrow.table(columns) if columns else pyarrow.table({})
    out = io.BytesIO()
    pyarrow.parquet.write_table(table, out)
    return out.getvalue()
