"""The read-only check, tested against the engine itself: generated queries full of escapes,
comments, strings, IRIs and escaped local names, some with a SERVICE clause somewhere on a line.
pyoxigraph runs each one on a small store, with the SERVICE pointing at a canary server on
loopback; whenever the engine reaches the canary, hkit's check must have refused the query, and a
query with no SERVICE in it must be allowed."""

from __future__ import annotations

import pyoxigraph
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_security import Canary

from hkit.catalog import QueryError
from hkit.sparql import check_read_only

#: Terms that each hide a '#' (or a quote, or an IRI's end) somewhere the SPARQL grammar and a
#: naive scanner read differently; they are compared in a FILTER, which does not stop a SERVICE
#: on the same line from running.
OBJECTS = [
    "e:a\\#b",
    "e:a\\#",
    "e:x\\.y",
    "e:q\\'z",
    "<http://a.example/#frag>",
    "<http://a.example/\\u0023x>",
    "<http://a.example/#\\u003e",
    '"a # b"',
    "'a # b'",
    '"a \\" # b"',
    '"""a # b"""',
    "'''a \\' # b'''",
    '"\\u0023"',
    '"x\\u0027 # y"',
    "e:\\u0061\\#",
]


@pytest.fixture(scope="module")
def canary():
    server = Canary()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture(scope="module")
def store():
    store = pyoxigraph.Store()
    node = pyoxigraph.NamedNode("http://a.example/s")
    store.add(pyoxigraph.Quad(node, node, node))
    return store


def line_strategy(service: str):
    piece = st.one_of(
        st.sampled_from(OBJECTS).map(lambda obj: f"FILTER(?s != {obj})"),
        st.just("# a comment:"),
        st.just(service),
    )
    return st.lists(piece, min_size=1, max_size=4).map(" ".join)


@pytest.mark.slow
@settings(
    max_examples=1200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_the_check_refuses_every_query_that_reaches_out(canary, store, data):
    service = f"SERVICE <{canary.base}/sparql> {{ ?x ?y ?z }}"
    lines = data.draw(st.lists(line_strategy(service), min_size=1, max_size=3))
    query = "PREFIX e: <http://e.example/>\nSELECT * WHERE {\n?s ?p ?o .\n"
    query += "\n".join(lines) + "\n}"
    try:
        check_read_only(query)
        refused = False
    except QueryError:
        refused = True
    before = len(canary.hits)
    try:
        list(store.query(query))
        parsed = True
    except (SyntaxError, OSError, RuntimeError, ValueError):
        parsed = False  # not SPARQL, or the canary's answer is not SPARQL results
    reached = len(canary.hits) > before
    if reached:
        assert refused, f"the engine reached the network, the check allowed it:\n{query}"
    if parsed and "SERVICE" not in query:
        assert not refused, f"refused a query with no SERVICE:\n{query}"
