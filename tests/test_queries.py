"""Every saved query: well-formed, ordered by a total key, and answering its examples with exactly
the golden rows in tests/golden/ (compared as typed result sets; regenerate with
``pytest --generate-golden`` after a deliberate change to the data or the query)."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from helpers import ROOT

from hkit.catalog import bind_values, catalog, with_values
from hkit.engines import EmbeddedEngine, Result
from hkit.graph import graph_files, load_store
from hkit.results import to_json

GOLDEN = ROOT / "tests" / "golden"
QUERIES = catalog(ROOT / "queries")
CASES = [(name, i) for name, q in sorted(QUERIES.items()) for i in range(len(q.examples))]


@pytest.fixture(scope="module")
def engine() -> EmbeddedEngine:
    return EmbeddedEngine(load_store(graph_files(ROOT)))


def typed_rows(result_json: dict) -> list[dict[str, tuple]]:
    """Rows as comparable values: what RDF says is equal is equal (decimal values numerically,
    language tags case-insensitively); anything else must match exactly."""
    numeric = ("decimal", "integer", "double", "float")
    rows = []
    for binding in result_json["results"]["bindings"]:
        row = {}
        for var, t in binding.items():
            datatype = t.get("datatype")
            value = t["value"]
            if datatype and datatype.endswith(numeric):
                value = Decimal(value)
            row[var] = (t["type"], value, datatype, (t.get("xml:lang") or "").lower() or None)
        rows.append(row)
    return rows


def test_there_are_saved_queries_for_every_area():
    tags = {t for q in QUERIES.values() for t in q.tags}
    assert len(QUERIES) >= 25
    assert {
        "funding",
        "research",
        "people",
        "events",
        "figures",
        "provenance",
        "companies",
        "places",
        "targets",
    } <= tags


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_query_has_metadata_and_a_total_order(name):
    q = QUERIES[name]
    assert q.summary and q.description and q.tags, name
    assert re.search(r"\bORDER\s+BY\b", q.text, re.I), f"{name} has no ORDER BY"
    assert q.examples, name


@pytest.mark.parametrize(("name", "index"), CASES)
def test_example_matches_golden_results(name, index, engine, request):
    q = QUERIES[name]
    example = q.examples[index]
    result: Result = engine.run(with_values(q.text, bind_values(q, example)), timeout=60)
    got = json.loads(to_json(result))
    assert got["results"]["bindings"], f"{name} answers its example with no rows"
    golden = GOLDEN / f"{name}.{index}.json"
    if request.config.getoption("--generate-golden"):
        golden.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(golden.read_text(encoding="utf-8"))
    assert got["head"]["vars"] == expected["head"]["vars"]
    assert typed_rows(got) == typed_rows(expected)


def test_no_stray_golden_files():
    expected = {f"{name}.{i}.json" for name, i in CASES}
    assert {p.name for p in GOLDEN.glob("*.json")} == expected


def test_comparison_equates_only_what_rdf_equates():
    def result(value: str, datatype: str | None = None, lang: str | None = None) -> dict:
        term = {"type": "literal", "value": value}
        if datatype:
            term["datatype"] = datatype
        if lang:
            term["xml:lang"] = lang
        return {"results": {"bindings": [{"x": term}]}}

    decimal = "http://www.w3.org/2001/XMLSchema#decimal"
    integer = "http://www.w3.org/2001/XMLSchema#integer"
    assert typed_rows(result("10.0", decimal)) == typed_rows(result("10", decimal))
    assert typed_rows(result("Hong Kong", lang="zh-Hant")) == typed_rows(
        result("Hong Kong", lang="zh-hant")
    )
    assert typed_rows(result("10", decimal)) != typed_rows(result("10", integer))
    assert typed_rows(result("10.5", decimal)) != typed_rows(result("10.50001", decimal))
    assert typed_rows(result("Hong Kong", lang="en")) != typed_rows(result("Hong Kong"))
    assert typed_rows(result("Hong Kong")) != typed_rows(result("Hong Kong "))
    assert typed_rows(result("2023", "http://www.w3.org/2001/XMLSchema#gYear")) != typed_rows(
        result("2023", integer)
    )
