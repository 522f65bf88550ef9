"""hkit's prefixes declared for a query that uses them undeclared, and the positions of its
errors counted in the query as the user wrote it, on both engines that hkit runs in-process."""

from __future__ import annotations

import pyoxigraph
import pytest
import rdflib

from hkit import QueryError
from hkit.core.prefixes import added, check_prefixes, unshifted, with_prefixes
from hkit.core.vocab import PREFIXES
from hkit.store.engines import EmbeddedEngine, RdflibEngine

ONE_LINE = "SELECT * WHERE { ?s rdfs:label ?o . ?s ?p }"
TWO_LINES = "SELECT * WHERE {\n  ?s skos:prefLabel ?o . ?s ?p }"


def test_the_declarations_take_one_line_before_the_query():
    text = with_prefixes("SELECT ?x WHERE { ?x a hkit:Plan ; rdfs:label ?l }")
    first, rest = text.split("\n", 1)
    assert first == (
        f"PREFIX hkit: <{PREFIXES['hkit']}> PREFIX rdfs: <{PREFIXES['rdfs']}> # declared by hkit"
    )
    assert rest == "SELECT ?x WHERE { ?x a hkit:Plan ; rdfs:label ?l }"
    assert added(text) == len(first) + 1
    # nothing to declare, nothing added; a query that declares a prefix keeps its own
    assert with_prefixes(ONE_LINE.replace("rdfs:label", "<x:y>")) == ONE_LINE.replace(
        "rdfs:label", "<x:y>"
    )
    own = "PREFIX rdfs: <http://example.org/> SELECT * WHERE { ?s rdfs:label ?o }"
    assert with_prefixes(own) == own and added(own) == 0
    # declared again, nothing more is added
    assert with_prefixes(text) == text


def test_a_line_a_user_wrote_is_not_taken_for_hkit_s():
    for text in (
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nSELECT * { ?s rdfs:label ?o }",
        "# declared by hkit\nSELECT * { ?s ?p ?o }",
        "PREFIX x: <http://x/> # declared by hkit",  # no line after it
        # hkit's marker, but not the line hkit would put before the rest
        "PREFIX ex: <http://e/> # declared by hkit\nSELECT * { ?s ex:p ?o }",
        f"PREFIX hkit: <{PREFIXES['hkit']}> # declared by hkit\nSELECT * {{ ?s rdfs:label ?o }}",
    ):
        assert added(text) == 0
        assert unshifted("error at 2:3: expected", text) == "error at 2:3: expected"
    # an undeclared prefix on a line of the user's that ends as hkit's does is still refused
    with pytest.raises(QueryError, match=r"'zz:' \(line 1, column 16\)"):
        check_prefixes("SELECT ?s { ?s zz:p ?o } # declared by hkit\nLIMIT 1")


def _said(run, text: str) -> str:
    with pytest.raises(Exception) as caught:
        run(text)
    return str(caught.value).splitlines()[0]


@pytest.mark.parametrize("how", ["embedded", "rdflib"])
def test_a_syntax_error_is_placed_in_the_query_as_written(how):
    """The oracle: the engine itself given the prefixes as its defaults (pyoxigraph's
    ``prefixes``, rdflib's ``initNs``), which reads the query exactly as the user wrote it."""
    if how == "embedded":
        store = pyoxigraph.Store()
        engine = EmbeddedEngine(store)
        oracle = lambda text: store.query(text, prefixes=PREFIXES)  # noqa: E731
    else:
        graph = rdflib.Graph()
        engine = RdflibEngine(graph)
        oracle = lambda text: graph.query(text, initNs=PREFIXES)  # noqa: E731
    for written, line in ((ONE_LINE, 1), (TWO_LINES, 2)):
        placed = _said(engine._evaluate, with_prefixes(written))
        assert placed == _said(oracle, written)
        assert f"error at {line}:" in placed or f"(line:{line}," in placed, placed


def test_an_undeclared_prefix_is_placed_in_the_query_as_written():
    with pytest.raises(QueryError, match=r"'zz:' \(line 2, column 3\)"):
        check_prefixes(with_prefixes("SELECT * WHERE { ?s rdfs:label ?o ;\n  zz:p ?o }"))
    with pytest.raises(QueryError, match=r"'zz:' \(line 1, column 36\)"):
        check_prefixes(with_prefixes("SELECT * WHERE { ?s hkit:name ?o ; zz:p ?o }"))
    # codepoint escapes before it count as written: 6 characters each, not 1
    escaped = "SELECT * { ?s ?p '\\u0041\\u0042\\u0043' ; zz:p ?o }"
    assert escaped.index("zz:") == 40
    with pytest.raises(QueryError, match=r"'zz:' \(line 1, column 41\)"):
        check_prefixes(with_prefixes(escaped))


def test_a_syntax_error_read_as_a_stream_is_placed_too():
    """The rows of a SELECT read as they come (``hkit query --format tsv`` on large answers)."""
    engine = EmbeddedEngine(pyoxigraph.Store())
    with pytest.raises(SyntaxError, match="error at 1:44"):
        engine._solutions(with_prefixes(ONE_LINE))


@pytest.mark.parametrize(
    ("said", "placed"),
    [
        (  # RDF4J's (GraphDB's) parser quotes the token, then says where it is
            'Encountered " <STRING_LITERAL2> "\\"at line 3, column 4\\" "" at line 2, column 27.',
            'Encountered " <STRING_LITERAL2> "\\"at line 3, column 4\\" "" at line 1, column 27.',
        ),
        (
            "SP030: SPARQL compiler, line 2: syntax error at '\"error at 3:4\"' before '}'",
            "SP030: SPARQL compiler, line 1: syntax error at '\"error at 3:4\"' before '}'",
        ),
        (
            "error at 2:5: expected ']', found 'error at 3:4'",
            "error at 1:5: expected ']', found 'error at 3:4'",
        ),
        ("a message with no position", "a message with no position"),
    ],
)
def test_only_the_engine_s_own_words_are_renumbered(said, placed):
    """Text of the query that an engine quotes in its message is the user's: left as it is."""
    assert unshifted(said, with_prefixes(ONE_LINE)) == placed


def test_rdflib_s_offset_and_line_are_the_query_s_own():
    text = with_prefixes(ONE_LINE)
    before = added(text)
    said = f"Expected X, found 'at line 3, column 4.'  (at char {before + 36}), (line:2, col:37)"
    assert unshifted(said, text) == (
        "Expected X, found 'at line 3, column 4.'  (at char 36), (line:1, col:37)"
    )
