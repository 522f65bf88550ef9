"""The saved-query catalogue: headers, parameters, and binding values safely (HAZARDS 1-4)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import rdflib
from helpers import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hkit
from hkit import QueryError
from hkit.core.catalog import bind_values, catalog, load, read_query
from hkit.core.sparql import check_read_only, with_values

HEADER = """#+ summary: A test query
#+ description: A description that goes on
#+   over two lines.
#+ tags:
#+   - test
#+ defaults:
#+   - limit: 5
#+ enumerate:
#+   - colour:
#+     - red
#+     - green
#+ example:
#+   - colour: red
"""


def write(tmp_path: Path, body: str, name: str = "q") -> Path:
    path = tmp_path / f"{name}.rq"
    path.write_text(body, encoding="utf-8")
    return path


def test_header_and_parameters_are_read(tmp_path):
    q = read_query(
        write(
            tmp_path,
            HEADER + "SELECT ?s WHERE { ?s ?p ?_colour . ?s ?q ?__limit_xsd_integer . "
            "?s ?r ?__org_iri . ?s ?t ?__when_xsd_date }",
        )
    )
    assert q.summary == "A test query"
    assert q.description == "A description that goes on over two lines."
    assert q.tags == ["test"]
    params = {p.name: p for p in q.params}
    assert params["colour"].required and params["colour"].allowed == ("red", "green")
    assert params["limit"].type == "xsd:integer" and params["limit"].default == "5"
    assert params["org"].type == "iri" and not params["org"].required
    assert params["when"].type == "xsd:date"
    assert q.examples == [{"colour": ["red"]}]
    assert q.as_dict()["params"][0]["name"] == "colour"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("SELECT ?s WHERE { SERVICE <http://x> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT ?s FROM <http://x> WHERE { ?s ?p ?o }", "FROM"),
        ("INSERT DATA { <a:b> <a:c> <a:d> }", "INSERT"),
        ("SELECT ?s { ?s ?p ?o }", "no WHERE"),
        ("SELECT ?s WHERE { ?s ?p ?o BIND(1 AS ?_x) }", "assigned by BIND"),
        ("SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?_x } } }", "subquery that does not return"),
        ("SELECT ?s WHERE { { SELECT * WHERE { ?s ?p ?_x } LIMIT 1 } }", "subquery with LIMIT"),
        ("SELECT ?s { ?s ?q ?o { SELECT ?s WHERE { ?s ?p ?_x } } }", "no WHERE clause of its own"),
    ],
)
def test_bad_saved_queries_are_refused(tmp_path, body, message):
    with pytest.raises(QueryError, match=message):
        read_query(write(tmp_path, "#+ summary: x\n" + body))


def test_a_parameter_is_bound_inside_a_subquery_that_names_it(tmp_path):
    """A parameter named in a subquery is bound there too (a subquery's variables are its own):
    given, the subquery sees the value; not given, the subquery sees it unbound."""
    import pyoxigraph

    body = (
        "#+ summary: x\nSELECT ?x ?y WHERE { VALUES ?x { 1 2 3 } "
        "{ SELECT ?x ?__n_xsd_integer (BOUND(?__n_xsd_integer) AS ?y) WHERE { VALUES ?x { 1 2 3 } "
        "FILTER (!BOUND(?__n_xsd_integer) || ?x = ?__n_xsd_integer) } } } ORDER BY ?x"
    )
    q = read_query(write(tmp_path, body))
    store = pyoxigraph.Store()

    def rows(text: str) -> list[tuple[str, str]]:
        return [(s["x"].value, s["y"].value) for s in store.query(text)]

    assert rows(with_values(q.text, bind_values(q, {"n": "2"}))) == [("2", "true")]
    assert rows(q.text) == [("1", "false"), ("2", "false"), ("3", "false")]


@pytest.mark.parametrize(
    "sub",
    [
        "SELECT ?s ?__x WHERE { ?s ?p ?__x }",
        "SELECT * WHERE { ?s ?p ?__x }",
        "SELECT ?s (COUNT(?o) AS ?n) ?__x WHERE { ?s ?p ?__x } GROUP BY ?s ?__x",
        "SELECT ?s WHERE { ?s ?p ?o } # not ?__x",
        "SELECT (EXISTS { ?s ?p ?o } AS ?e) ?s ?__x WHERE { ?s ?p ?__x }",
        "SELECT ?s ?__x WHERE { ?s ?p ?__x } ORDER BY ?s",
    ],
)
def test_a_subquery_that_returns_its_parameter_is_allowed(tmp_path, sub):
    read_query(write(tmp_path, "#+ summary: x\nSELECT ?s WHERE { ?s ?q ?__x { " + sub + " } }"))


def test_a_prefix_named_select_is_not_a_subquery(tmp_path):
    """``{select:x ...}`` is a triple with a prefixed name, not a subquery: no VALUES block goes
    into a group after it, and the lint reads no subquery there."""
    body = (
        "#+ summary: x\nPREFIX select: <http://e/>\nSELECT ?o WHERE { {select:x ?p ?o} "
        "OPTIONAL { ?o ?q ?t OPTIONAL { ?t ?r ?__f } } }"
    )
    q = read_query(write(tmp_path, body))
    assert with_values(q.text, {"__f": ["1"]}).count("VALUES ?__f") == 1


def test_variables_named_like_keywords_are_not_refused():
    check_read_only("SELECT ?from ?load WHERE { ?from ?load ?add }")


def test_load_reads_only_the_named_query(tmp_path):
    write(tmp_path, "#+ summary: fine\nSELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s", name="good")
    assert load(tmp_path, "good").summary == "fine"
    with pytest.raises(QueryError, match="did you mean good"):
        load(tmp_path, "goood")  # no such file: the whole catalogue is read for suggestions
    write(tmp_path, "#+ summary: bad\nSELECT ?s WHERE { SERVICE <http://x> { ?s ?p ?o } }", "bad")
    assert load(tmp_path, "good").summary == "fine"  # another file's fault does not matter
    with pytest.raises(QueryError, match="SERVICE"):
        load(tmp_path, "../good")  # not a plain name: never a path, only the catalogue


def test_header_naming_an_unknown_parameter_is_refused(tmp_path):
    with pytest.raises(QueryError, match="not a parameter"):
        read_query(write(tmp_path, "#+ defaults:\n#+   - nope: 1\nSELECT ?s WHERE { ?s ?p ?o }"))


@pytest.fixture(scope="module")
def query(tmp_path_factory):
    path = tmp_path_factory.mktemp("q") / "q.rq"
    path.write_text(HEADER + "SELECT ?s WHERE { ?s ?p ?_colour . ?s ?q ?__limit_xsd_integer }")
    return read_query(path)


def test_unknown_parameter_lists_the_valid_ones(query):
    with pytest.raises(QueryError, match="no parameter 'colr'") as info:
        bind_values(query, {"colr": ["red"]})
    assert "colour" in info.value.hint


def test_missing_required_parameter(query):
    with pytest.raises(QueryError, match="needs parameter 'colour'") as info:
        bind_values(query, {})
    assert "red, green" in info.value.hint


def test_value_outside_enumerate(query):
    with pytest.raises(QueryError, match="cannot be 'blue'") as info:
        bind_values(query, {"colour": ["blue"]})
    assert "red, green" in info.value.hint


def test_wrong_type(query):
    with pytest.raises(QueryError, match="must be xsd:integer"):
        bind_values(query, {"colour": ["red"], "limit": ["5 || true"]})


def test_defaults_and_repeated_values(query):
    bound = bind_values(query, {"colour": ["red", "green", "red"]})
    assert bound == {
        "_colour": ['"red"', '"green"'],
        "__limit_xsd_integer": ['"5"^^<http://www.w3.org/2001/XMLSchema#integer>'],
    }
    text = with_values(query.text, bound)
    assert 'WHERE { VALUES ?_colour { "red" "green" } VALUES ?__limit_xsd_integer' in text


def test_values_open_each_branch_of_a_top_level_union():
    text = (
        "SELECT * WHERE { { ?s a ?c } UNION { { ?s ?p 1 } UNION { ?s ?p 2 } }"
        " OPTIONAL { { ?s ?q ?o } UNION { ?o ?q ?s } } { SELECT ?s WHERE { ?s ?p ?o } }"
        ' UNION { ?s <http://x/{> "}" } }'
    )
    out = with_values(text, {"s": ["<http://x/a>"]})
    block = "VALUES ?s { <http://x/a> }"
    # the group, its two top-level branches, the last branch, and the subquery's own group
    assert out.count(block) == 5
    assert out.startswith(f"SELECT * WHERE {{ {block}  {{ {block}  ?s a ?c }} UNION {{ {block}")
    assert "{ ?s ?p 1 }" in out and "{ ?s ?q ?o }" in out  # nested and OPTIONAL unions untouched
    assert f"{{ SELECT ?s WHERE {{ {block}  ?s ?p ?o }}" in out  # its group, not the branch
    assert f'UNION {{ {block}  ?s <http://x/{{> "}}" }}' in out  # braces in IRIs and strings


@pytest.mark.parametrize("store", ["embedded", "rdflib"])
def test_values_in_union_branches_give_the_same_answers(store, engine):
    """A join distributes over a union: binding each branch too changes no answer, for one
    value, several values, and a branch that does not name the variable."""
    from hkit.store.engines import RdflibEngine

    run = engine.run
    if store == "rdflib":
        turtle = hkit.open(root=ROOT).export("turtle")
        graph = rdflib.Graph().parse(data=turtle, format="turtle")
        run = RdflibEngine(graph).run
    text = (
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?s ?x WHERE {"
        " { ?s rdfs:label ?x } UNION { ?x rdfs:label ?s } UNION { BIND (1 AS ?x) } }"
    )
    for terms in (
        ["<https://w3id.org/hkit/id/innohk>"],
        ['"x"', "<https://w3id.org/hkit/id/hkstp>"],
    ):
        top_only = text.replace("WHERE {", f"WHERE {{ VALUES ?s {{ {' '.join(terms)} }}", 1)
        want = sorted(map(str, run(top_only, 30).rows))
        assert want and sorted(map(str, run(with_values(text, {"s": terms}), 30).rows)) == want


def test_parse_param_options():
    from hkit.cli.commands import parse_params as parse_param_options

    assert parse_param_options(("a=1", "a=2", "b=x=y")) == {"a": ["1", "2"], "b": ["x=y"]}
    with pytest.raises(QueryError, match="not name=value"):
        parse_param_options(("novalue",))


# -- injection: hostile values never change a query's structure (HAZARDS 1) ---------------------


@pytest.fixture(scope="module")
def engine():
    return hkit.open(root=ROOT).embedded


QUERIES = catalog(ROOT / "queries")
HOSTILE = st.lists(
    st.sampled_from([*list("\"'<>{}#.;?$ \n\tabcdeftinh"), "\\u0022", "\\U00000022", "é", "中"]),
    max_size=15,
).map("".join)


def results_within_everything(engine, name: str, given: dict[str, list[str]]):
    """Run a saved query unbound and with ``given``: the bound rows, and whether every one of
    them is among the unbound rows (None, None when the values are refused)."""
    q = QUERIES[name]
    everything = engine.run(with_values(q.text, bind_values(q, {})), 30).rows
    try:
        bound = bind_values(q, given)
    except QueryError:
        return None, None
    rows = engine.run(with_values(q.text, bound), 30).rows
    return rows, all(row in everything for row in rows)


HYPOTHESIS = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.mark.slow  # a property test of eight seconds; CI runs it
@HYPOTHESIS
@given(value=HOSTILE)
def test_hostile_text_values_never_widen_the_results(engine, value):
    rows, within = results_within_everything(engine, "unicorns-by-sector", {"sector": [value]})
    if rows is None:
        assert "\\" in value  # the only text refused is text with a backslash
        return
    assert within
    assert all(row["sector"].value == value for row in rows)


@pytest.mark.slow  # a property test of seven seconds; CI runs it
@HYPOTHESIS
@given(value=HOSTILE)
def test_hostile_iri_values_are_refused_or_harmless(engine, value):
    iri = "https://w3id.org/hkit/id/" + value
    rows, within = results_within_everything(engine, "organisations-by-economy", {"economy": [iri]})
    assert rows is None or within


@pytest.mark.parametrize("call", ["REGEX(?name, ?_pattern)", 'replace(str(?name), ?_pattern, "")'])
def test_a_parameter_may_not_become_a_regular_expression(tmp_path, call):
    path = tmp_path / "regex-param.rq"
    path.write_text(
        "#+ summary: s\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        f"SELECT ?x WHERE {{ ?x rdfs:label ?name . FILTER ({call}) }} ORDER BY ?x\n",
        encoding="utf-8",
    )
    with pytest.raises(QueryError, match="regular expression"):
        read_query(path)


def test_every_saved_query_header_is_yaml_that_grlc_can_read():
    """grlc reads the ``#+`` lines with ``yaml.safe_load``; a description with ': ' inside an
    unquoted value is invalid YAML, and grlc then sees no metadata at all (HAZARDS 25)."""
    yaml = pytest.importorskip("yaml")
    for path in sorted((ROOT / "queries").glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        lines = [line[3:] for line in text.splitlines() if line.startswith("#+ ")]
        header = yaml.safe_load("\n".join(lines))
        assert isinstance(header, dict), path.name
        assert {"summary", "description", "tags"} <= set(header), path.name
    for path in sorted((ROOT / "queries" / "checks").glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        lines = [line[3:] for line in text.splitlines() if line.startswith("#+ ")]
        header = yaml.safe_load("\n".join(lines))
        assert {"summary", "message", "description"} <= set(header), path.name


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        ("#+ summary: a: b\n", "mapping values are not allowed here"),
        ("#+ summary: {x} is wrong\n", "header line 1"),
        ("#+ - a list\n", "must be 'key: value' lines"),
        ("#+ defaults:\n#+   nested: map\n", "a value or a list"),
    ],
)
def test_a_header_that_is_not_yaml_is_one_line_error(tmp_path, monkeypatch, header, problem):
    monkeypatch.setenv("HKIT_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "bad-header.rq"
    path.write_text(header + "SELECT ?s WHERE { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(QueryError, match=re.escape(problem)) as caught:
        read_query(path)
    assert "\n" not in str(caught.value)


def test_a_parsed_header_is_read_back_from_the_cache_without_yaml(tmp_path):
    """Importing PyYAML costs more than the rest of 'hkit query': a header already parsed is read
    back from the cache folder, keyed by its own text (so an edited header is parsed again)."""
    import subprocess
    import sys

    env = {**os.environ, "HKIT_CACHE_DIR": str(tmp_path)}
    probe = (
        "import sys\n"
        "from pathlib import Path\n"
        "from hkit.core.catalog import read_query\n"
        f"q = read_query(Path({str(ROOT / 'queries' / 'funds-by-size.rq')!r}))\n"
        "print(q.summary, q.params[0].allowed, 'yaml' in sys.modules)\n"
    )
    first = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    second = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert first.stdout.split()[-1] == "True", first.stderr
    assert second.stdout.split()[-1] == "False", second.stderr
    assert first.stdout.rsplit(" ", 1)[0] == second.stdout.rsplit(" ", 1)[0]
    cached = list((tmp_path / "headers").iterdir())
    assert cached
    for path in cached:
        path.write_bytes(b"\x00garbage")  # a damaged entry is parsed again, not trusted
    third = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert third.stdout.rsplit(" ", 1)[0] == first.stdout.rsplit(" ", 1)[0], third.stderr


@pytest.mark.parametrize(
    "body",
    [
        # '#' inside an escaped local name is no comment: SERVICE follows on the same line
        "PREFIX e: <http://e/> SELECT ?s WHERE { ?s ?p e:a\\# . SERVICE <http://x/> { ?s ?p ?o } }",
        # a \u escape closes the IRI before the '#', as the engines read it
        "SELECT ?s WHERE { ?s ?p <http://a/#\\u003e . SERVICE <http://x/> { ?s ?p ?o } } #>",
        # a keyword spelt with a \u escape is that keyword
        "SELECT ?s WHERE { SERVIC\\u0045 <http://x/> { ?s ?p ?o } }",
    ],
)
def test_a_saved_query_cannot_hide_service_behind_escapes(tmp_path, body):
    path = tmp_path / "hidden.rq"
    path.write_text(f"#+ summary: s\n#+ description: d\n#+ tags:\n#+   - t\n{body}\n")
    with pytest.raises(QueryError, match="uses SERVICE"):
        read_query(path)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?c WHERE { ?c a <https://w3id.org/hkit/ontology#Plan> }",
        "PREFIX e: <http://e/> SELECT ?s WHERE { ?s ?p e:a\\#b }  # a comment: SERVICE, LOAD",
        'SELECT ?s WHERE { ?s ?p "DROP ALL; LOAD <x>" . ?s ?q """INSERT\n#DATA""" }',
        "PREFIX e: <http://e/> SELECT ?s WHERE { ?s e:service ?from . ?s ?p e:load }",
    ],
)
def test_what_only_looks_like_an_update_is_allowed(text):
    check_read_only(text)
