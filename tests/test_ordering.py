"""A final ORDER BY applied by hkit on the embedded engine's rows (hkit.core.sparql.final_order,
hkit.core.ordering.order_rows): which queries it takes, and that it orders every kind of value
as the engine's own ORDER BY does, or leaves the ordering to the engine."""

from __future__ import annotations

import pyoxigraph
import pytest
from helpers import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

import hkit
from hkit import Term
from hkit.core.ordering import order_rows
from hkit.core.sparql import final_order
from hkit.store.engines import EmbeddedEngine, _term

XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        (
            "SELECT ?a ?b { ?a ?p ?b } ORDER BY ?a DESC(?b)",
            [("a", False, ""), ("b", True, "")],
        ),
        (
            "SELECT ?a ?b { ?a ?p ?b }\nORDER BY asc ( ?b )desc(?a) # last\n",
            [("b", False, ""), ("a", True, "")],
        ),
        ("SELECT * WHERE { ?a ?p ?b } ORDER BY $b", [("b", False, "")]),
        ("SELECT DISTINCT ?a WHERE { ?a ?p ?b } ORDER BY ?a", [("a", False, "")]),
        (
            "SELECT (COUNT(*) AS ?n) ?a { ?a ?p ?b } GROUP BY ?a ORDER BY DESC(?n) ?a",
            [("n", True, ""), ("a", False, "")],
        ),
        ('SELECT ?a { ?a ?p "} ORDER BY ?b" } ORDER BY ?a', [("a", False, "")]),
        (
            "SELECT ?a { { SELECT ?a { ?a ?p ?b } ORDER BY ?b LIMIT 1 } } ORDER BY ?a",
            [("a", False, "")],
        ),
        (
            "PREFIX : <http://example.org/{}> SELECT ?a { ?a ?p :x } ORDER BY ?a",
            [("a", False, "")],
        ),
        (
            "SELECT ?a ?b { ?a ?p ?b } ORDER BY STR(?a) desc( str( $b ) ) asc(STR(?a))",
            [("a", False, "STR"), ("b", True, "STR"), ("a", False, "STR")],
        ),
        (
            'SELECT ?a ?b { ?a ?p ?b } ORDER BY COALESCE(STR(?a), "") '
            "DESC(coalesce ( str($b) , '' )) ?b",
            [("a", False, "COALESCE"), ("b", True, "COALESCE"), ("b", False, "")],
        ),
    ],
)
def test_final_order_takes_plain_variables_the_query_returns(text, keys):
    without, found = final_order(text)
    assert found == keys
    assert "ORDER" not in without.upper().split("}")[-1]  # the clause is gone, the rest kept
    assert without == text[: len(without)]


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?a { ?a ?p ?b } ORDER BY ?b",  # a key the query does not return
        "SELECT (STR(?b) AS ?s) { ?a ?p ?b } ORDER BY ?b",  # ?b is only inside an expression
        "SELECT * { ?a ?p ?b } ORDER BY LCASE(?a)",  # another expression
        "SELECT * { ?a ?p ?b } ORDER BY STR(LCASE(?a))",
        "SELECT * { ?a ?p ?b } ORDER BY STR(?a, ?b)",
        "SELECT ?a { ?a ?p ?b } ORDER BY STR(?b)",  # a key the query does not return
        "SELECT ?b ?b·x { ?r ?p ?b, ?b·x } ORDER BY STR(?b·x)",
        'SELECT ?a { ?a ?p ?b } ORDER BY COALESCE(STR(?a), "x")',  # not the empty string
        'SELECT ?a { ?a ?p ?b } ORDER BY COALESCE(STR(?a), " ")',
        "SELECT ?a { ?a ?p ?b } ORDER BY COALESCE(STR(?a), ?a)",
        'SELECT ?a { ?a ?p ?b } ORDER BY COALESCE(STR(?a), "", ?a)',
        'SELECT ?a { ?a ?p ?b } ORDER BY COALESCE(?a, "")',
        "SELECT * { ?a ?p ?b } ORDER BY (?a)",
        "SELECT * { ?a ?p ?b } ORDER BY ?a LIMIT 3",  # a slice after the sort
        "SELECT * { ?a ?p ?b } ORDER BY ?a OFFSET 3",
        "SELECT * { ?a ?p ?b } ORDER BY ?a VALUES ?a { <http://example.org/a> }",
        "SELECT * { { SELECT * { ?a ?p ?b } ORDER BY ?a } }",  # not the outer query's
        "SELECT * { ?a ?p ?b } # ORDER BY ?a",
        "SELECT * { ?a ?p ?b }",
        "ASK { ?a ?p ?b }",
        "SELECT ?b·x { ?r ?p ?b, ?b·x } ORDER BY ?b",  # ?b is only the start of ?b·x
        "SELECT ?b\u0301 { ?r ?p ?b, ?b\u0301 } ORDER BY ?b",  # a combining accent
        "SELECT ?b ?b·x { ?r ?p ?b, ?b·x } ORDER BY ?b·x",
        "PREFIX select: <http://example.org/> DESCRIBE ?a WHERE { ?a ?p select:b } ORDER BY ?a",
        "CONSTRUCT { ?a ?p ?b } WHERE { ?a ?p ?b } ORDER BY ?a",
    ],
)
def test_final_order_leaves_every_other_query_to_the_engine(text):
    assert final_order(text) is None


# -- the same order as the engine's ---------------------------------------------------------------

E = "http://example.org/"


def _lit(value: str, datatype: str | None = None, lang: str | None = None) -> pyoxigraph.Literal:
    if lang:
        return pyoxigraph.Literal(value, language=lang)
    return pyoxigraph.Literal(value, datatype=pyoxigraph.NamedNode(XSD + (datatype or "string")))


#: Values of each kind that order_rows orders itself, distinct in value within a kind (so that no
#: two rows tie on a key without being the same term, which either side may put first).
KINDS = {
    "string": [
        _lit(s) for s in ("", "a", "B", "ab", "é", "\uffff", "\U00010000", "a b", "10", "9")
    ],
    "english": [_lit(s, lang="en") for s in ("a", "b", "Zebra", "é")],
    "number": [_lit(v, "integer") for v in ("-3", "0", "7", "12", "123456789012345678")]
    + [_lit(v, "decimal") for v in ("-2.5", "0.25", "7.5", "11.125", "12.000001")],
    "double": [_lit(v, "double") for v in ("-INF", "-1.5E2", "2.5E-1", "1.0E1", "3.0E0", "INF")],
    "temporal": [
        _lit(value, datatype)
        for value, datatype in [
            ("2024", "gYear"),
            ("2023", "gYear"),
            ("2024-05", "gYearMonth"),
            ("2024", "gYearMonth"),  # not a gYearMonth: the engine orders it by its text
            ("2024-05-01", "date"),
            ("2023-12-31", "date"),
            ("2024-05-01T10:00:00", "dateTime"),
            ("2024-05-01T09:59:59.5", "dateTime"),
        ]
    ],
}
#: Values that leave the ordering to the engine, alone or beside other kinds.
OTHERS = [
    _lit("NaN", "double"),
    _lit("1.5", "float"),
    _lit("true", "boolean"),
    _lit("2024-05-01Z", "date"),
    _lit("2024-05-01T10:00:00+08:00", "dateTime"),
    _lit("a", lang="fr"),
    _lit("abc", "integer"),
    _lit("5.", "integer"),  # not an integer: the engine orders it by its text
    _lit("2.5", "integer"),
    _lit("P1D", "duration"),
]
NODES = [pyoxigraph.NamedNode(E + s) for s in ("a", "b", "é", "z")] + [
    pyoxigraph.BlankNode(s) for s in ("b1", "b2")
]


def _column(kind: str | None):
    pool = NODES + (KINDS[kind] if kind else [v for vs in KINDS.values() for v in vs] + OTHERS)
    return st.lists(st.one_of(st.none(), st.sampled_from(pool)), min_size=1, max_size=12)


@st.composite
def tables(draw):
    """Rows of two key columns, each of one kind of literal (or of any), with IRIs, blank nodes
    and unbound values among them, which way each key is ordered, and whether by its text
    (``STR(?a)``, ``COALESCE(STR(?a), "")``)."""
    kinds = [draw(st.sampled_from([*KINDS, None])) for _ in range(2)]
    a, b = (draw(_column(kind)) for kind in kinds)
    rows = list(zip(a, b + [None] * (len(a) - len(b)), strict=False))
    directions = [draw(st.booleans()) for _ in range(2)]
    return rows, kinds, directions, [draw(st.sampled_from(["", "STR", "COALESCE"])) for _ in "ab"]


def _text(value, how):
    """STR(value), or None where it is an error (unbound, a blank node), "" with COALESCE."""
    if value is None or isinstance(value, pyoxigraph.BlankNode):
        return "" if how == "COALESCE" else None
    return value.value


@settings(max_examples=150, deadline=None)
@given(table=tables())
def test_rows_are_ordered_as_the_engine_orders_them(table):
    rows, kinds, descending, hows = table
    store = pyoxigraph.Store()
    for i, values in enumerate(rows):
        row = pyoxigraph.NamedNode(f"{E}row{i}")
        store.add(pyoxigraph.Quad(row, pyoxigraph.NamedNode(E + "n"), _lit(str(i), "integer")))
        for key, value in zip(("a", "b"), values, strict=True):
            if value is not None:
                store.add(pyoxigraph.Quad(row, pyoxigraph.NamedNode(E + key), value))
    order = []
    for variable, down, how in zip(("?a", "?b"), descending, hows, strict=True):
        key = {
            "": variable,
            "STR": f"STR({variable})",
            "COALESCE": f'COALESCE(STR({variable}), "")',
        }
        order.append(f"DESC({key[how]})" if down else key[how])
    text = (
        f"SELECT ?row ?a ?b WHERE {{ ?row <{E}n> ?n OPTIONAL {{ ?row <{E}a> ?a }} "
        f"OPTIONAL {{ ?row <{E}b> ?b }} }} ORDER BY {' '.join(order)}"
    )
    engine = EmbeddedEngine(store)
    ours = engine._evaluate(text)
    theirs = engine._evaluate(text, order_here=False)  # the engine's own ORDER BY

    def keys(result):
        # by its text, two terms may tie (a string and the same string in English): either side
        # may put either first, so the keys are compared as they are ordered
        return [
            tuple(
                _text(row.get(v), how) if how else row.get(v)
                for v, how in zip(("a", "b"), hows, strict=True)
            )
            for row in result.rows
        ]

    assert keys(ours) == keys(theirs)
    if all(kind is not None or how for kind, how in zip(kinds, hows, strict=True)):
        # hkit ordered these rows itself
        assert order_rows(list(theirs.rows), [("a", False, hows[0]), ("b", False, hows[1])])
    assert sorted(r["row"].value for r in ours.rows) == sorted(r["row"].value for r in theirs.rows)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_is_ordered_here(kind):
    assert order_rows([{"k": _term(value)} for value in KINDS[kind]], [("k", False, "")])


@pytest.mark.parametrize("other", OTHERS, ids=str)
def test_other_values_are_left_to_the_engine(other):
    rows = [{"k": Term("literal", "1", XSD + "integer")}, {"k": _term(other)}]
    before = list(rows)
    assert not order_rows(rows, [("k", False, "")])
    assert rows == before  # untouched


def test_two_kinds_in_one_key_are_left_to_the_engine():
    rows = [{"k": Term("literal", "1", XSD + "integer")}, {"k": Term("literal", "a")}]
    assert not order_rows(rows, [("k", False, "")])


def test_every_saved_query_keeps_the_engines_order():
    """Each saved query, as hkit runs it, against the engine's own ORDER BY: the same rows, in an
    order the same on every key."""
    kg = hkit.open(root=ROOT)
    engine = kg.embedded
    ordered_here = 0
    for name, query in sorted(kg.queries.items()):
        for example in query.examples or [{}]:
            text = kg.prepare(name, **example)
            found = final_order(text)
            if found is None:
                continue
            ordered_here += 1
            ours, theirs = engine._evaluate(text), engine._evaluate(text, order_here=False)
            keys = [(variable, how) for variable, _, how in found[1]]

            def key_values(rows, keys=keys):
                return [[_term_text(r.get(k), h) if h else r.get(k) for k, h in keys] for r in rows]

            assert key_values(ours.rows) == key_values(theirs.rows), name
            assert sorted(map(repr, ours.rows)) == sorted(map(repr, theirs.rows)), name
    assert ordered_here >= 20


def _term_text(term, how):
    """STR() of an hkit term, or None where it is an error (unbound, a blank node), "" with
    COALESCE."""
    if term is None or term.kind == "bnode":
        return "" if how == "COALESCE" else None
    return term.value


def test_a_streamed_answer_is_ordered_too():
    kg = hkit.open(root=ROOT, timeout=60)
    text = kg.prepare("who-works-in-sector", **kg.queries["who-works-in-sector"].examples[0])
    variables, rows = kg.embedded.stream(text, timeout=60, batch=3)  # batches of three rows
    whole = kg.run(text)
    assert variables == whole.variables
    assert list(rows) == whole.rows


def test_strings_with_a_base_direction_are_left_to_the_engine():
    """hkit's terms do not carry a base direction (RDF 1.2), which the engine orders by."""
    store = pyoxigraph.Store()
    values = [
        pyoxigraph.Literal("a", language="en"),
        pyoxigraph.Literal("a", language="en", direction=pyoxigraph.BaseDirection.LTR),
    ]
    for i, value in enumerate(values):
        store.add(
            pyoxigraph.Quad(pyoxigraph.NamedNode(f"{E}r{i}"), pyoxigraph.NamedNode(E + "v"), value)
        )
    engine = EmbeddedEngine(store)
    for key in ("?v", "DESC(?v)"):
        text = f"SELECT ?r ?v {{ ?r <{E}v> ?v }} ORDER BY {key} ?r"
        assert final_order(text)
        ours, theirs = engine._evaluate(text), engine._evaluate(text, order_here=False)
        assert [r["r"] for r in ours.rows] == [r["r"] for r in theirs.rows]


@pytest.mark.parametrize("key", ['COALESCE(STR(?a), "")', "STR(?a)"])
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_no_text_and_the_empty_text_are_ordered_as_the_engine_orders_them(key, direction):
    """By ``COALESCE(STR(?a), "")`` an unbound value and a blank node tie with the empty string;
    by ``STR(?a)`` they come before it. Rows that tie keep the order the engine found them in,
    so the rows themselves come in the engine's order."""
    store = pyoxigraph.Store()
    values = [None, _lit(""), pyoxigraph.BlankNode("x"), None, _lit(""), _lit("b"), _lit("")]
    for i, value in enumerate(values):
        row = pyoxigraph.NamedNode(f"{E}row{i}")
        store.add(pyoxigraph.Quad(row, pyoxigraph.NamedNode(E + "n"), _lit(str(i), "integer")))
        if value is not None:
            store.add(pyoxigraph.Quad(row, pyoxigraph.NamedNode(E + "a"), value))
    text = (
        f"SELECT ?row ?a WHERE {{ ?row <{E}n> ?n OPTIONAL {{ ?row <{E}a> ?a }} }} "
        f"ORDER BY {direction}({key})"
    )
    assert final_order(text)
    engine = EmbeddedEngine(store)
    ours, theirs = engine._evaluate(text), engine._evaluate(text, order_here=False)
    assert [r["row"] for r in ours.rows] == [r["row"] for r in theirs.rows]
