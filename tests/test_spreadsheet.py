"""Answers as the files analysts open (.xlsx, .parquet), and -o refusing a file suffix hkit does
not write."""

from __future__ import annotations

import datetime
import sys
from decimal import Decimal

import pytest
from click.testing import CliRunner
from helpers import ROOT

from hkit.cli.group import main

TYPED = (
    "SELECT (1 AS ?i) (1.50 AS ?d) (2.5e0 AS ?f) (true AS ?b) "
    '("2024-01-02"^^xsd:date AS ?day) ("2024-01-02T03:04:05"^^xsd:dateTime AS ?at) '
    '("2024-01-02T03:04:05Z"^^xsd:dateTime AS ?zoned) ("2024"^^xsd:gYear AS ?year) '
    '("text"@en AS ?t) (<https://w3id.org/hkit/id/innohk> AS ?iri) ?unbound WHERE {}'
)


def run(*args: str):
    return CliRunner().invoke(main, ["--root", str(ROOT), *args])


@pytest.mark.parametrize(
    "args",
    [
        ["query", "funds-by-size", "-o", "{}/funds.html"],
        ["sparql", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "-o", "{}/rows.docx"],
        ["export", "-o", "{}/hkit.csv"],
        ["review", "-o", "{}/review.xlsx"],
    ],
)
def test_a_file_suffix_hkit_does_not_write_is_refused(tmp_path, args):
    args = [a.replace("{}", str(tmp_path)) for a in args]
    result = run(*args)
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[0].startswith("hkit: error: hkit does not know what to write in a '.")
    assert lines[1].startswith("hkit: hint: give --format, or a file ending in ")
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_a_text_file_is_the_table_and_a_suffixless_file_too(tmp_path):
    assert run("query", "funds-by-size", "-o", str(tmp_path / "funds.txt")).exit_code == 0
    assert run("query", "funds-by-size", "-o", str(tmp_path / "funds")).exit_code == 0
    table = (tmp_path / "funds").read_text(encoding="utf-8")
    assert (tmp_path / "funds.txt").read_text(encoding="utf-8") == table
    assert table.startswith("fund ")


def test_a_spreadsheet_is_never_written_to_the_terminal():
    result = run("query", "funds-by-size", "--format", "xlsx")
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "hkit: error: xlsx is written to a file, not to the terminal",
        "hkit: hint: give -o FILE.xlsx",
    ]


def test_xlsx_has_numbers_as_numbers_and_dates_as_dates(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "typed.xlsx"
    assert run("sparql", TYPED, "-o", str(out)).exit_code == 0
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    header, values = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert header[0] == "i" and len(rows) == 2
    assert values["i"] == 1 and isinstance(values["i"], int)
    assert values["d"] == 1.5 and values["f"] == 2.5
    assert values["b"] is True
    assert values["day"] == datetime.datetime(2024, 1, 2)  # a date cell (Excel has no date type)
    assert values["at"] == datetime.datetime(2024, 1, 2, 3, 4, 5)
    assert values["zoned"] == "2024-01-02T03:04:05Z"  # a cell cannot hold a time zone: text
    assert values["year"] == "2024"
    assert values["t"] == "text"
    assert values["iri"] == "https://w3id.org/hkit/id/innohk"
    assert values["unbound"] is None
    # the same answer, the same bytes
    again = tmp_path / "again.xlsx"
    run("sparql", TYPED, "-o", str(again))
    assert again.read_bytes() == out.read_bytes()


def test_a_saved_query_as_a_workbook(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "funds.xlsx"
    assert run("query", "funds-by-size", "-o", str(out)).exit_code == 0
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    values = [dict(zip(rows[0], row, strict=True))["value"] for row in rows[1:]]
    assert all(isinstance(v, int | float) for v in values)
    assert max(values) == 10_000_000_000


def test_parquet_has_typed_columns(tmp_path):
    parquet = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "typed.parquet"
    assert run("sparql", TYPED, "-o", str(out)).exit_code == 0
    table = parquet.read_table(out)
    types = {field.name: str(field.type) for field in table.schema}
    assert types["i"] == "int64"
    assert types["d"].startswith("decimal128")
    assert types["f"] == "double"
    assert types["b"] == "bool"
    assert types["day"] == "date32[day]"
    assert types["t"] == "string"
    row = table.to_pylist()[0]
    assert row["d"] == Decimal("1.50") and row["day"] == datetime.date(2024, 1, 2)


def test_without_the_extra_a_clear_line(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # as if not installed
    result = run("query", "funds-by-size", "-o", str(tmp_path / "funds.xlsx"))
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "hkit: error: writing .xlsx needs openpyxl",
        "hkit: hint: pip install 'hkit[xlsx]'",
    ]
    assert list(tmp_path.iterdir()) == []
