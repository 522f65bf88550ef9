"""Property-based tests (hypothesis): hostile parameter values never change a query's structure on
the rdflib engine either (the embedded engine's are in test_catalog.py), and graphs with tricky
literals and IRIs survive export and re-parsing unchanged in every format."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from helpers import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_catalog import HOSTILE

import hkit
from hkit import InputError, QueryError
from hkit.core.catalog import bind_values
from hkit.core.formats import EXPORT, plugins
from hkit.core.sparql import with_values
from hkit.present.export import read_quads, serialize
from hkit.store.engines import RdflibEngine

QUERIES = hkit.open(root=ROOT).queries
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture(scope="module")
def on_rdflib() -> RdflibEngine:
    rdflib.NORMALIZE_LITERALS = False
    turtle = hkit.open(root=ROOT).export("turtle")
    return RdflibEngine(rdflib.Graph().parse(data=turtle, format="turtle"))


@pytest.fixture(scope="module")
def every_unicorn(on_rdflib) -> list:
    """unicorns-by-sector's rows with no sector given, on rdflib (asked once, not per example)."""
    q = QUERIES["unicorns-by-sector"]
    return on_rdflib.run(with_values(q.text, bind_values(q, {})), 60).rows


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=HOSTILE)
def test_hostile_values_never_widen_results_on_rdflib(on_rdflib, every_unicorn, value):
    q = QUERIES["unicorns-by-sector"]
    everything = every_unicorn
    assert everything  # the rows a hostile value must stay within
    try:
        bound = bind_values(q, {"sector": [value]})
    except QueryError:
        assert "\\" in value or any(ord(c) < 0x20 and c not in "\n\r\t" for c in value)
        return
    rows = on_rdflib.run(with_values(q.text, bound), 60).rows
    assert all(row in everything for row in rows)
    assert all(row["sector"].value == value for row in rows)


# -- export round trips ------------

LANGUAGE = st.from_regex(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}", fullmatch=True)
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
LITERALS = st.one_of(
    st.decimals(
        allow_nan=False,
        allow_infinity=False,
        places=st.integers(0, 30).example() if False else None,
    ).map(lambda d: (format(d, "f"), XSD + "decimal", None)),
    st.floats(allow_nan=True, allow_infinity=True)
    .map(
        lambda f: (
            "NaN"
            if f != f
            else ("INF" if f == float("inf") else "-INF" if f == float("-inf") else repr(f))
        ),
    )
    .map(lambda s: (s, XSD + "double", None)),
    st.integers(min_value=-(10**40), max_value=10**40).map(
        lambda i: (str(i), XSD + "integer", None)
    ),
    st.tuples(TEXT, LANGUAGE).map(lambda t: (t[0], None, t[1])),
    TEXT.map(lambda s: (s, None, None)),
    st.sampled_from(["01", "1", "+1", "0001"]).map(lambda s: (s, XSD + "integer", None)),
    st.sampled_from(["true", "1", "false", "0"]).map(lambda s: (s, XSD + "boolean", None)),
    st.sampled_from(["2023-12-06", "2023-12-06Z", "2023-12-06+08:00"]).map(
        lambda s: (s, XSD + "date", None)
    ),
)
IRIS = st.text(
    st.characters(whitelist_categories=("L", "N"), whitelist_characters="-_.~%"),
    min_size=1,
    max_size=12,
).map(lambda s: "https://example.org/t/" + s.replace("%", "%25"))


def _literal(value: str, datatype: str | None, lang: str | None) -> pyoxigraph.Literal:
    if lang:
        return pyoxigraph.Literal(value, language=lang)
    if datatype:
        return pyoxigraph.Literal(value, datatype=pyoxigraph.NamedNode(datatype))
    return pyoxigraph.Literal(value)


@pytest.mark.slow
@settings(max_examples=900, deadline=None)
@given(st.lists(st.tuples(IRIS, LITERALS), min_size=1, max_size=6))
def test_tricky_graphs_survive_every_export_format(statements):
    triples = []
    for iri, (value, datatype, lang) in statements:
        try:
            literal = _literal(value, datatype, lang)
        except ValueError:  # not a valid RDF term (a bad language tag): nothing to export
            continue
        triples.append(
            pyoxigraph.Triple(
                pyoxigraph.NamedNode(iri), pyoxigraph.NamedNode("https://example.org/p"), literal
            )
        )
    if not triples:
        return
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "source.nt"
        source.write_bytes(pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES))
        quads = read_quads([(source, "https://w3id.org/hkit/data")])
    expected = sorted({str(q.triple) for q in quads})
    for spec in plugins(EXPORT):
        name = spec.name
        try:
            data = serialize(quads, name)
        except InputError as exc:  # only RDF/XML may refuse, and only what XML cannot carry
            assert name == "rdfxml" and "XML 1.0 cannot represent" in exc.message
            continue
        fmt = pyoxigraph.RdfFormat.from_media_type(spec.media_type)
        back = pyoxigraph.parse(data, format=fmt)
        got = sorted({str(x.triple if isinstance(x, pyoxigraph.Quad) else x) for x in back})
        assert got == expected, name


TEXT = st.text(st.characters(codec="utf-8"), max_size=12)  # controls, quotes, U+2028 included
TERMS = st.one_of(
    st.builds(lambda v: ("uri", v, None, None), TEXT),
    st.builds(lambda v: ("bnode", v, None, None), TEXT),
    st.builds(lambda v, d: ("literal", v, d, None), TEXT, st.none() | TEXT.filter(bool)),
    st.builds(lambda v, lang: ("literal", v, None, lang), TEXT, st.sampled_from(["en", "zh-HK"])),
)


@settings(max_examples=200, deadline=None)
@given(
    variables=st.lists(TEXT, max_size=4, unique=True),
    rows=st.lists(st.lists(TERMS, max_size=4), max_size=4),
)
def test_results_json_is_laid_out_as_the_standard_library_lays_it_out(variables, rows):
    """SPARQL results JSON is written line by line (hkit.present.results.to_json); the bytes
    are those of json.dumps(indent=2, ensure_ascii=False) on the same document, for any
    variables, terms and empty rows or answers."""
    import json

    from hkit.core.answers import Result, Term
    from hkit.present.results import to_json

    result = Result(
        "SELECT",
        variables=variables,
        rows=[{v: Term(*t) for v, t in zip(variables, terms, strict=False)} for terms in rows],
    )

    def term(t: Term) -> dict:
        out = {"type": t.kind, "value": t.value}
        if t.lang:
            out["xml:lang"] = t.lang
        elif t.datatype:
            out["datatype"] = t.datatype
        return out

    document = {
        "head": {"vars": variables},
        "results": {"bindings": [{v: term(t) for v, t in r.items()} for r in result.rows]},
    }
    assert to_json(result) == json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    assert json.loads(to_json(result)) == document
