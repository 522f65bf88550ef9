"""Every saved query: well-formed, ordered by a total key, and answering its examples with exactly
the golden rows in tests/golden/ (compared as typed result sets; regenerate with
``pytest --generate-golden`` after a deliberate change to the data or the query)."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from helpers import ROOT
from query_values import every_binding

import hkit
from hkit.core.catalog import bind_values
from hkit.core.sparql import with_values

GOLDEN = ROOT / "tests" / "golden"
QUERIES = hkit.open(root=ROOT).queries
CASES = [(name, i) for name, q in sorted(QUERIES.items()) for i in range(len(q.examples))]


@pytest.fixture(scope="module")
def kg() -> hkit.KnowledgeGraph:
    return hkit.open(root=ROOT, timeout=60)


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
def test_example_matches_golden_results(name, index, kg, request):
    example = QUERIES[name].examples[index]
    result = kg.query(name, **example)
    got = json.loads(result.render("json"))
    assert got["results"]["bindings"], f"{name} answers its example with no rows"
    golden = GOLDEN / f"{name}.{index}.json"
    if request.config.getoption("--generate-golden"):
        golden.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(golden.read_text(encoding="utf-8"))
    assert got["head"]["vars"] == expected["head"]["vars"]
    assert typed_rows(got) == typed_rows(expected)


# -- orderings that SPARQL defines -----------------------------------------------------------------

XSD = "http://www.w3.org/2001/XMLSchema#"
#: The literals whose order SPARQL defines (its "<" operator), each kind ordered only within
#: itself; any other literal (one with a language tag, a date, a year...) it leaves undefined.
ORDERED_KINDS = {
    **{XSD + t: "number" for t in ("integer", "decimal", "double", "float")},
    XSD + "string": "string",
    XSD + "boolean": "boolean",
    XSD + "dateTime": "dateTime",
}


def plain_order_keys(text: str) -> list[str]:
    """The variables the query's final ORDER BY orders by as they are (``?v``, ``DESC(?v)``),
    not through an expression such as ``STR(?v)``."""
    import rdflib.plugins.sparql  # heavy: only this test needs rdflib's parser

    node = rdflib.plugins.sparql.prepareQuery(text).algebra
    while node is not None and node.name != "OrderBy":
        node = node.get("p")
    assert node is not None, "no ORDER BY"
    keys = [getattr(key, "expr", key) for key in node.expr]
    return [str(key) for key in keys if isinstance(key, rdflib.Variable)]


def undefined_orderings(kg: hkit.KnowledgeGraph, name: str, text: str) -> list[str]:
    """Each variable the query ``text`` orders by as it is while it holds a literal SPARQL does
    not order (a language-tagged label, a date) or literals of two kinds, in the answers to every
    binding of saved query ``name``'s parameters (engines order those differently)."""
    problems = []
    keys = plain_order_keys(text)
    answers = [
        json.loads(kg.run(with_values(text, bind_values(QUERIES[name], binding))).render("json"))
        for binding in every_binding(name)
    ]
    for key in keys:
        assert key in answers[0]["head"]["vars"], f"{name} orders by ?{key}, which it hides"
        kinds = set()
        for row in (row for answer in answers for row in answer["results"]["bindings"]):
            term = row.get(key)
            if term and term["type"] in ("literal", "typed-literal"):
                if "xml:lang" in term:
                    kinds.add(f"@{term['xml:lang']}")
                else:
                    datatype = term.get("datatype", XSD + "string")
                    kinds.add(ORDERED_KINDS.get(datatype, datatype))
        undefined = sorted(k for k in kinds if k not in ORDERED_KINDS.values())
        if undefined or len(kinds) > 1:
            problems.append(f"?{key} holds {', '.join(sorted(kinds))}: order by STR(?{key})")
    return problems


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_no_saved_query_orders_by_what_sparql_leaves_unordered(name, kg):
    """SPARQL leaves undefined the order of language-tagged literals (and of dates, and of
    literals of two kinds): Virtuoso, Oxigraph and Comunica order them each their own way. A
    saved query orders such a variable by its text, ``STR(?label)``, which every engine orders
    alike; checked on the answers to every binding of its parameters."""
    assert undefined_orderings(kg, name, QUERIES[name].text) == []


def test_the_ordering_check_finds_a_language_tagged_key(kg):
    """The check above, on editorial-notes as it was written before: ORDER BY ?name, a label
    in English."""
    text = QUERIES["editorial-notes"].text
    before = re.sub(r"ORDER BY .*", "ORDER BY ?name ?note", text)
    assert before != text
    assert undefined_orderings(kg, "editorial-notes", before) == [
        "?name holds @en: order by STR(?name)"
    ]


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


# -- figures are shown as the text states them, and totals count each statement once ----------

VALUE_COLUMNS = {"value": ("qualifier",), "value1": ("qualifier1",), "value2": ("qualifier2",)}
UNIT_COLUMNS = ("unit", "currency")


@pytest.fixture(scope="module")
def stated_qualifiers(kg) -> set[str]:
    """The labels of the qualifiers the data gives its figures and amounts."""
    text = (
        "PREFIX hkit: <https://w3id.org/hkit/ontology#> "
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        "SELECT DISTINCT ?label WHERE { ?figure hkit:valueQualifier/skos:prefLabel ?label }"
    )
    return {row["label"].value for row in kg.sparql(text).rows}


@pytest.mark.parametrize(("name", "index"), CASES)
def test_every_figure_has_its_qualifier_as_stated_and_its_unit_or_currency(
    name, index, kg, stated_qualifiers
):
    """A figure is never shown without its unit or currency, nor without a column for how exact
    the source says it is ("nearly 20", "more than 4,000"). A row leaves that cell empty when the
    source gives no qualifier: the text's silence is not "exactly", so no row shows a qualifier
    the data does not give."""
    result = json.loads(kg.query(name, **QUERIES[name].examples[index]).render("json"))
    columns = result["head"]["vars"]
    assert "exactly" not in stated_qualifiers
    for value, qualifiers in VALUE_COLUMNS.items():
        if value not in columns:
            continue
        assert all(c in columns for c in qualifiers), f"{name} shows ?{value} with no qualifier"
        assert any(c in columns for c in UNIT_COLUMNS), f"{name} shows ?{value} with no unit"
        for row in result["results"]["bindings"]:
            if value in row:
                assert any(c in row for c in UNIT_COLUMNS), f"{name}: no unit or currency: {row}"
            shown = {row[c]["value"] for c in qualifiers if c in row}
            assert shown <= stated_qualifiers, f"{name}: a qualifier no figure has: {row}"


@pytest.mark.parametrize(
    ("name", "column", "cls"),
    [
        ("people-and-posts", "attested", "Appointment"),
        ("events-timeline", "date", "Event"),
    ],
)
def test_a_listing_query_drops_nothing_for_want_of_an_exact_date(name, column, cls, kg):
    """A saved query that lists every appointment or every event must list the ones whose source
    bounds the date only (2024/2025, ../2025-02-24) or gives none, not only the exactly dated."""
    everything = kg.run(
        f"""PREFIX hkit: <https://w3id.org/hkit/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{
          {{ ?x a hkit:{cls} }} UNION {{ ?x a ?c . ?c rdfs:subClassOf+ hkit:{cls} }}
        }}"""
    )
    expected = int(json.loads(everything.render("json"))["results"]["bindings"][0]["n"]["value"])
    rows = json.loads(kg.query(name).render("json"))
    rows = rows["results"]["bindings"]
    key = "event" if name == "events-timeline" else "post"
    listed = {
        (r.get("person", {}).get("value"), r[key]["value"], r["source"]["value"])
        if "person" in r
        else r[key]["value"]
        for r in rows
    }
    assert expected >= 12
    assert len(listed) == expected, f"{name} lists {len(listed)} of {expected}"
    assert len(rows) == expected, f"{name} lists something twice"
    ranges = [r[column]["value"] for r in rows if column in r and "/" in r[column]["value"]]
    assert ranges, f"{name} shows no date range"


def _site_statuses(kg: hkit.KnowledgeGraph) -> dict[tuple[str, str], str | None]:
    rows = json.loads(kg.query("sites-and-occupants").render("json"))
    rows = rows["results"]["bindings"]
    keys = [
        (r["site"]["value"].rsplit("/", 1)[1], r.get("organisation", {}).get("value")) for r in rows
    ]
    assert len(keys) == len(set(keys)), "a site and an organisation on two rows"
    return {k: r.get("status", {}).get("value") for k, r in zip(keys, rows, strict=True)}


def test_a_planned_site_is_never_shown_as_a_current_one(kg):
    """The Shenzhen branch and CATL's headquarters and R&D centre are plans in the sources: where
    sites-and-occupants links an organisation to them, the row says planned."""
    status = _site_statuses(kg)
    for key in [
        ("hkstp-shenzhen-branch", "Hong Kong Science and Technology Parks Corporation"),
        ("hong-kong-science-park", "Contemporary Amperex Technology Co"),
        ("hong-kong-science-park", "CATL innovation research and development center"),
    ]:
        assert status[key] == "planned", key
    assert status[("hong-kong-science-park", "SenseTime")] == "in operation"
    assert (
        status[("innopark-yuen-long", "Hong Kong Science and Technology Parks Corporation")] is None
    )


def test_site_status_takes_the_least_settled_of_site_facility_and_organisation(tmp_path):
    extra = tmp_path / "sites.ttl"
    extra.write_text(
        """@prefix hkit: <https://w3id.org/hkit/ontology#> .
@prefix id: <https://w3id.org/hkit/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
id:t-planned-park a hkit:SciencePark ; rdfs:label "T planned park"@en ; hkit:status hkit:planned .
id:t-office a hkit:Office ; rdfs:label "T office"@en ; hkit:locatedIn id:t-planned-park ;
    hkit:siteOf id:t-company .
id:t-company a hkit:Company ; rdfs:label "T company"@en .
id:t-empty-park a hkit:SciencePark ; rdfs:label "T empty park"@en ; hkit:status hkit:planned .
id:t-proposed-body a hkit:Company ; rdfs:label "T proposed body"@en ;
    hkit:status hkit:proposed ; hkit:hasSite id:hong-kong-science-park .
id:t-twice a hkit:Company ; rdfs:label "T twice"@en ;
    hkit:hasSite id:hong-kong-science-park , id:t-planned-hq .
id:t-planned-hq a hkit:Headquarters ; rdfs:label "T planned HQ"@en ;
    hkit:locatedIn id:hong-kong-science-park ; hkit:status hkit:planned .
""",
        encoding="utf-8",
    )
    status = _site_statuses(hkit.open(root=ROOT, data=[extra], timeout=60))
    assert status[("t-planned-park", "T company")] == "planned"  # through a facility
    assert status[("t-empty-park", None)] == "planned"  # no occupant
    assert status[("hong-kong-science-park", "T proposed body")] == "proposed"
    assert status[("hong-kong-science-park", "T twice")] == "planned"  # one row, not two


def test_a_sum_that_two_documents_state_is_counted_once(kg):
    """InnoHK's HK$10 billion is stated by sources 000 and 002: one amount with two references,
    so both a SPARQL total and a total over the saved query's rows give HK$10 billion, not 20."""
    total = kg.run(
        """PREFIX hkit: <https://w3id.org/hkit/ontology#>
        PREFIX schema: <https://schema.org/>
        SELECT (SUM(?v) AS ?total) (COUNT(?amount) AS ?amounts) WHERE {
          <https://w3id.org/hkit/id/innohk> hkit:fundingAmount ?amount .
          ?amount schema:value ?v ; schema:currency "HKD" .
        }"""
    )
    row = json.loads(total.render("json"))["results"]["bindings"][0]
    assert Decimal(row["total"]["value"]) == Decimal(10_000_000_000)
    assert int(row["amounts"]["value"]) == 1

    rows = json.loads(kg.query("funds-by-size", currency="HKD").render("json"))["results"][
        "bindings"
    ]
    innohk = [r for r in rows if r["initiative"]["value"].endswith("/id/innohk")]
    assert sum(Decimal(r["value"]["value"]) for r in innohk) == Decimal(10_000_000_000)
    assert {(r["source"]["value"], r["alsoIn"]["value"]) for r in innohk} == {
        ("000_1039700805b26dd8.txt", "002_5ca6ff13b72670fa.txt")
    }
    amounts = [r["amount"]["value"] for r in rows]
    assert len(amounts) == len(set(amounts)), "an amount appears on two rows"


@pytest.mark.parametrize(("name", "index"), CASES)
def test_every_table_fits_80_columns_and_wraps_rather_than_cuts(name, index, kg):
    from hkit.core.formats import render  # a table fitted to a width: the command line's

    result = kg.query(name, **QUERIES[name].examples[index])
    table = render(result, "table", 80)
    assert max(len(line) for line in table.splitlines()) <= 80, name
    wide = result.render("table")
    # every word of the table is still there, whole: nothing is cut (the table may have become
    # 'field: value' records; tests/test_person_view.py checks every cell at 80 and 120 columns)
    shown = set(table.split()) | {token.removesuffix(":") for token in table.split()}
    words = {w for w in wide.split() if w.strip("-") and len(w) <= 80}
    assert not words - shown, name


def test_the_table_width_is_the_terminal_s_and_only_on_a_terminal(monkeypatch):
    import sys

    from hkit.present.results import terminal_width

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.setenv("COLUMNS", "80")
    assert terminal_width() == 80
    assert terminal_width("out.txt") is None  # a file: one line a row
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False, raising=False)
    assert terminal_width() is None  # a pipe: one line a row, as column-formatting tools do


def _parameters_with_two_values() -> list[tuple[str, str]]:
    from query_values import QUERIES

    return [
        (name, param.name)
        for name, query in sorted(QUERIES.items())
        for param in query.params
        if not any(p.required and p.name != param.name for p in query.params)
    ]


@pytest.mark.parametrize(("name", "param"), _parameters_with_two_values())
def test_two_values_of_a_parameter_answer_what_each_answers(name, param):
    """A parameter given twice answers the rows each value answers, each row as often as one
    value gives it (a row both give may be given once, by a DISTINCT): a subquery that names
    the parameter returns it, so that no row matched by one value is paired with the other."""
    from collections import Counter

    from query_values import KG, parameter_values

    def rows(values: list[str]) -> Counter:
        result = KG.run(KG.prepare(name, **{param: values}))
        return Counter(tuple(sorted((v, t.value) for v, t in row.items())) for row in result.rows)

    first, second = parameter_values(name, param)[:2]
    both, apart = rows([first, second]), rows([first]) + rows([second])
    assert set(both) == set(apart)
    assert not both - apart, "rows given more often than the values give them apart"
