"""Saved queries on other engines, and the SPARQL endpoint client.

Every saved query gives the same answers on the embedded engine, on rdflib over the Turtle
export, and on a real Virtuoso 7 server started on 127.0.0.1 by the test session (run through
``hkit query --endpoint``), on Virtuoso with its examples and with each value of each
parameter. The comparison treats as equal only what RDF says is equal: numerically equal
decimals and language tags that differ in case.

The client's failures (unreachable, no answer in time, HTTP errors, wrong content type,
malformed results) are each a clear one-line message and exit 2, against a small HTTP server on
127.0.0.1 that answers as told.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
import rdflib
from click.testing import CliRunner
from conftest import VIRTUOSO_GRAPH
from helpers import ROOT
from query_values import parameter_cases, parameter_values
from test_queries import typed_rows

import hkit
from hkit import EndpointError
from hkit.cli.group import main
from hkit.store.engines import RdflibEngine

KG = hkit.open(root=ROOT)
QUERIES = KG.queries
CASES = [(name, i) for name, q in sorted(QUERIES.items()) for i in range(len(q.examples))]


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, ["--root", str(ROOT), *args], catch_exceptions=False, env=env)


def example_args(name: str, index: int) -> list[str]:
    example = QUERIES[name].examples[index]
    return [arg for key, values in example.items() for v in values for arg in ("-p", f"{key}={v}")]


@pytest.fixture(scope="module")
def embedded():
    return KG.embedded


@pytest.fixture(scope="module")
def on_rdflib() -> RdflibEngine:
    """rdflib over the N-Quads export: its default graph the union of the named graphs (each
    triple once), each source document's graph among them (entity-provenance asks for them)."""
    rdflib.NORMALIZE_LITERALS = False
    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(data=KG.export("nquads"), format="nquads")
    return RdflibEngine(dataset)


def answers(engine, name: str, index: int) -> list[dict]:
    text = KG.prepare(name, **QUERIES[name].examples[index])
    return typed_rows(json.loads(engine.run(text, 120).render("json")))


#: rdflib's engine takes seconds on some queries: the default run compares three, CI every one.
RDFLIB_CASES = [
    case
    if case[0] in ("funds-by-size", "people-and-posts", "start-ups-and-unicorns")
    else pytest.param(*case, marks=pytest.mark.slow)
    for case in CASES
]


@pytest.mark.parametrize(("name", "index"), RDFLIB_CASES)
def test_rdflib_over_the_nquads_export_gives_the_same_answers(name, index, embedded, on_rdflib):
    expected = answers(embedded, name, index)
    assert expected
    assert answers(on_rdflib, name, index) == expected


@pytest.mark.stores
@pytest.mark.parametrize(("name", "index"), CASES)
def test_virtuoso_gives_the_same_answers_through_hkit_query(name, index, embedded, virtuoso):
    result = invoke(
        "query",
        name,
        *example_args(name, index),
        "--endpoint",
        virtuoso.endpoint,
        "--default-graph",
        VIRTUOSO_GRAPH,
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    expected = answers(embedded, name, index)
    assert expected
    assert typed_rows(json.loads(result.output)) == expected


@pytest.mark.stores
@pytest.mark.parametrize(("name", "param", "index"), parameter_cases())
def test_virtuoso_answers_every_value_of_every_parameter_the_same(
    name, param, index, embedded, virtuoso
):
    """Beyond the examples: each value of a parameter's allowed list, or two values from the
    data for a free parameter (tests/query_values.py), answered the same on Virtuoso as on the
    embedded engine, in the same order. (The saved queries without parameters are compared
    above, through their example.)"""
    value = parameter_values(name, param)[index]
    result = invoke(
        "query",
        name,
        "-p",
        f"{param}={value}",
        "--endpoint",
        virtuoso.endpoint,
        "--default-graph",
        VIRTUOSO_GRAPH,
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    text = KG.prepare(name, **{param: [value]})
    expected = typed_rows(json.loads(embedded.run(text, 120).render("json")))
    assert expected, f"{name} gives no rows with {param}={value}"
    assert typed_rows(json.loads(result.output)) == expected


@pytest.mark.stores
def test_sparql_ask_and_construct_on_virtuoso(virtuoso):
    common = ["--endpoint", virtuoso.endpoint, "--default-graph", VIRTUOSO_GRAPH]
    ask = invoke(
        "sparql",
        "ASK { <https://w3id.org/hkit/id/innohk> ?p ?o }",
        *common,
        "--format",
        "json",
    )
    assert ask.exit_code == 0, ask.output
    assert json.loads(ask.output)["boolean"] is True
    construct = invoke(
        "sparql",
        "CONSTRUCT { <https://w3id.org/hkit/id/innohk> ?p ?o } "
        "WHERE { <https://w3id.org/hkit/id/innohk> ?p ?o }",
        *common,
        "--format",
        "ntriples",
    )
    assert construct.exit_code == 0, construct.output
    graph = rdflib.Graph().parse(data=construct.output, format="nt")
    assert (
        rdflib.URIRef("https://w3id.org/hkit/id/innohk"),
        rdflib.RDFS.label,
        rdflib.Literal("InnoHK", lang="en"),
    ) in graph


@pytest.mark.stores
def test_virtuoso_without_the_default_graph_is_not_hkit_alone(virtuoso):
    """Why --default-graph matters: without it Virtuoso also searches its own system graphs."""
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    scoped = invoke(
        "sparql",
        query,
        "--endpoint",
        virtuoso.endpoint,
        "--default-graph",
        VIRTUOSO_GRAPH,
        "--format",
        "json",
    )
    everything = invoke("sparql", query, "--endpoint", virtuoso.endpoint, "--format", "json")
    count = lambda r: int(json.loads(r.output)["results"]["bindings"][0]["n"]["value"])  # noqa: E731
    assert count(scoped) == len(rdflib.Graph().parse(data=KG.export("turtle"), format="turtle"))
    assert count(everything) > count(scoped)


# -- a fake endpoint on 127.0.0.1 ------------


SELECT_JSON = {
    "head": {"vars": ["s", "n"]},
    "results": {
        "bindings": [
            {
                "s": {"type": "uri", "value": "https://w3id.org/hkit/id/innohk"},
                "n": {
                    "type": "typed-literal",
                    "value": "10.0",
                    "datatype": "http://www.w3.org/2001/XMLSchema#decimal",
                },
            }
        ]
    },
}


class FakeEndpoint:
    """An HTTP server on 127.0.0.1 that answers every POST as ``self.reply`` says, and records
    what it was sent."""

    def __init__(self) -> None:
        self.reply: tuple[int, str, bytes] = (
            200,
            "application/sparql-results+json",
            json.dumps(SELECT_JSON).encode(),
        )
        self.delay = 0.0
        self.drip = 0.0  # seconds between the bytes of the answer's body
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode()
                fake.requests.append(
                    {"headers": dict(self.headers), "form": parse_qs(body), "path": self.path}
                )
                time.sleep(fake.delay)
                status, content_type, payload = fake.reply
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                if status == 401:
                    self.send_header("WWW-Authenticate", 'Basic realm="hkit test"')
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client may have given up
                    if not fake.drip:
                        self.wfile.write(payload)
                    for i in range(len(payload) if fake.drip else 0):
                        self.wfile.write(payload[i : i + 1])
                        self.wfile.flush()
                        time.sleep(fake.drip)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        # a short poll, so that shutdown() returns at once rather than within half a second
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake():
    server = FakeEndpoint()
    yield server
    server.close()


def test_the_protocol_request(fake):
    result = invoke(
        "query",
        "funds-by-size",
        "--endpoint",
        fake.url,
        "--default-graph",
        "https://w3id.org/hkit/ontology",
        "--default-graph",
        "https://w3id.org/hkit/data",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    (request,) = fake.requests
    assert request["form"]["default-graph-uri"] == [
        "https://w3id.org/hkit/ontology",
        "https://w3id.org/hkit/data",
    ]
    assert request["form"]["query"][0] == QUERIES["funds-by-size"].text
    assert request["headers"]["Content-Type"].startswith("application/x-www-form-urlencoded")
    # SPARQL JSON results alone: Comunica answers a plain application/json with its own array
    assert request["headers"]["Accept"] == "application/sparql-results+json"
    assert "Authorization" not in request["headers"]
    rows = json.loads(result.output)["results"]["bindings"]
    assert rows[0]["n"] == {
        "type": "literal",
        "value": "10.0",
        "datatype": "http://www.w3.org/2001/XMLSchema#decimal",
    }


def test_parameters_are_bound_in_the_query_sent(fake):
    result = invoke("query", "unicorns-by-sector", "-p", "sector=fintech", "--endpoint", fake.url)
    assert result.exit_code == 0, result.output
    sent = fake.requests[0]["form"]["query"][0]
    assert 'VALUES ?__sector { "fintech" }' in sent


def test_credentials_come_from_the_environment(fake):
    env = {"HKIT_ENDPOINT_USER": "reader", "HKIT_ENDPOINT_PASSWORD": "s3cret"}
    fake.reply = (401, "text/plain", b"who are you?")
    result = invoke("sparql", "ASK {}", "--endpoint", fake.url, env=env)
    # the client answered the challenge with Basic credentials (and was refused again)
    assert any(
        r["headers"].get("Authorization") == "Basic " + base64.b64encode(b"reader:s3cret").decode()
        for r in fake.requests
    )
    assert result.exit_code == 2
    token = invoke("sparql", "ASK {}", "--endpoint", fake.url, env={"HKIT_ENDPOINT_TOKEN": "t0k"})
    assert fake.requests[-1]["headers"]["Authorization"] == "Bearer t0k"
    assert token.exit_code == 2


def test_credentials_on_the_command_line_are_refused(fake):
    url = fake.url.replace("http://", "http://reader:s3cret@")
    result = invoke("sparql", "ASK {}", "--endpoint", url)
    assert result.exit_code == 2
    assert "do not belong on the command line" in result.output
    assert "s3cret" not in result.output
    assert fake.requests == []


FAULTS = [
    ((401, "text/plain", b"no"), "answered HTTP 401", "HKIT_ENDPOINT_USER"),
    ((403, "text/plain", b"no"), "answered HTTP 403", "not allowed"),
    ((404, "text/html", b"<html>not here</html>"), "answered HTTP 404", "check the endpoint URL"),
    ((500, "text/plain", b"SR171: Transaction timed out\nmore"), "HTTP 500", "SR171"),
    ((200, "text/html", b"<html><form>login</form></html>"), "answered with text/html", "login"),
    ((200, "application/sparql-results+json", b'{"head": {"vars": ['), "malformed JSON", ""),
    (
        (200, "application/sparql-results+json", b'{"head": {}, "results": 3}'),
        "not SPARQL results",
        "",
    ),
    ((200, "application/sparql-results+json", b'{"boolean": NaN}'), "malformed JSON", ""),
    ((200, "application/n-triples", b"<a> <b> ."), "malformed application/n-triples", ""),
    (
        (
            200,
            "application/rdf+xml",
            b'<?xml version="1.0"?><!-- ' + b"x" * 100_000 + b' --><!DOCTYPE r [<!ENTITY a "aa">]>'
            b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>',
        ),
        "RDF/XML with a DOCTYPE",
        "N-Triples",
    ),
]


@pytest.mark.parametrize(("reply", "message", "more"), FAULTS)
def test_endpoint_faults_are_one_line_and_exit_2(fake, reply, message, more):
    fake.reply = reply
    result = invoke("query", "funds-by-size", "--endpoint", fake.url)
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[0].startswith("hkit: error: ") and message in lines[0], lines
    assert more in result.output
    assert "Traceback" not in result.output
    assert len(lines) <= 2


@pytest.mark.parametrize(
    ("said", "placed"),
    [
        # Oxigraph's wording, RDF4J's (GraphDB's), Virtuoso's
        ("error at 2:44: expected one of LATERAL", "error at 1:44: expected one of LATERAL"),
        (
            'Encountered " "}" "} "" at line 2, column 44.',
            'Encountered " "}" "} "" at line 1, column 44.',
        ),
        ("SP030: SPARQL compiler, line 2: syntax error", "SP030: SPARQL compiler, line 1: syntax"),
    ],
)
def test_an_endpoint_s_error_is_placed_in_the_query_as_written(fake, said, placed):
    """The endpoint is sent the line of prefixes hkit declares for the query, before it: the
    line it names in its message is given back in the query as the user wrote it."""
    fake.reply = (400, "text/plain", said.encode())
    result = invoke("sparql", "SELECT * WHERE { ?s rdfs:label ?o . ?s ?p }", "--endpoint", fake.url)
    assert result.exit_code == 2
    assert placed in result.output.splitlines()[0], result.output
    sent = fake.requests[-1]["form"]["query"][0]
    assert sent.split("\n")[0].endswith("# declared by hkit")  # what it was sent


def test_virtuoso_s_error_is_placed_in_the_query_as_written(virtuoso):
    one_line = invoke(
        "sparql", "SELECT * WHERE { ?s rdfs:label ?o . ?s ?p }", "--endpoint", virtuoso.endpoint
    )
    assert one_line.exit_code == 2
    assert "SPARQL compiler, line 1:" in one_line.output.splitlines()[0], one_line.output


def test_no_answer_within_the_timeout(fake):
    fake.delay = 5
    started = time.monotonic()
    result = invoke("--timeout", "1", "query", "funds-by-size", "--endpoint", fake.url)
    assert time.monotonic() - started < 4
    assert result.exit_code == 2
    assert "did not answer within 1 seconds" in result.output


def test_an_answer_dripped_a_byte_at_a_time_stops_at_the_deadline(fake):
    fake.drip = 0.2  # the whole answer would take minutes
    started = time.monotonic()
    result = invoke("--timeout", "2", "query", "funds-by-size", "--endpoint", fake.url)
    assert time.monotonic() - started < 5
    assert result.exit_code == 2
    assert "did not answer within 2 seconds" in result.output


def test_a_bad_size_limit_is_an_error_not_ignored(fake, monkeypatch):
    monkeypatch.setenv("HKIT_ENDPOINT_MAX_BYTES", "abc")
    result = invoke("query", "funds-by-size", "--endpoint", fake.url)
    assert result.exit_code == 2
    assert "HKIT_ENDPOINT_MAX_BYTES is 'abc'" in result.output


def test_connection_refused():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nothing listens
    result = invoke("query", "funds-by-size", "--endpoint", f"http://127.0.0.1:{port}/sparql")
    assert result.exit_code == 2
    assert "cannot reach the endpoint" in result.output and "refused" in result.output


def test_a_redirect_is_not_followed(fake):
    fake.reply = (302, "text/plain", b"")
    result = invoke("query", "funds-by-size", "--endpoint", fake.url)
    assert result.exit_code == 2
    assert "redirected" in result.output or "HTTP 302" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--endpoint", "file:///etc/passwd"], "is not an http or https URL"),
        (["--endpoint", "ftp://127.0.0.1/"], "is not an http or https URL"),
        (["--default-graph", "https://w3id.org/hkit/data"], "--default-graph needs --endpoint"),
        (
            ["--endpoint", "http://127.0.0.1:9/sparql", "--default-graph", "not an iri"],
            "is not an absolute IRI",
        ),
    ],
)
def test_bad_endpoint_options(args, message):
    result = invoke("query", "funds-by-size", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_data_files_cannot_go_to_an_endpoint(fake, tmp_path):
    extra = tmp_path / "mine.ttl"
    extra.write_text("")
    result = invoke("--data", str(extra), "query", "funds-by-size", "--endpoint", fake.url)
    assert result.exit_code == 2
    assert "cannot be used with --endpoint" in result.output
    assert fake.requests == []


def test_virtuoso_style_ask_and_typed_literals_are_understood(fake):
    fake.reply = (
        200,
        "application/sparql-results+json",
        json.dumps(
            {
                "head": {"link": [], "vars": ["__ASK_RETVAL"]},
                "results": {
                    "bindings": [
                        {
                            "__ASK_RETVAL": {
                                "type": "typed-literal",
                                "value": "1",
                                "datatype": "http://www.w3.org/2001/XMLSchema#integer",
                            }
                        }
                    ]
                },
            }
        ).encode(),
    )
    assert hkit.open(endpoint=fake.url, timeout=5).run("ASK {}").boolean is True


def test_engine_rejects_a_term_of_unknown_type(fake):
    fake.reply = (
        200,
        "application/sparql-results+json",
        json.dumps(
            {
                "head": {"vars": ["s"]},
                "results": {"bindings": [{"s": {"type": "triple", "value": ""}}]},
            }
        ).encode(),
    )
    with pytest.raises(EndpointError, match="unknown type"):
        hkit.open(endpoint=fake.url, timeout=5).run("SELECT * {}")


def _many_rows(n: int) -> bytes:
    row = {
        "s": {"type": "uri", "value": "https://w3id.org/hkit/id/x"},
        "n": {
            "type": "literal",
            "value": "1",
            "datatype": "http://www.w3.org/2001/XMLSchema#integer",
        },
    }
    return json.dumps({"head": {"vars": ["s", "n"]}, "results": {"bindings": [row] * n}}).encode()


def test_a_very_large_answer_is_read_whole_within_the_limit(fake):
    fake.reply = (200, "application/sparql-results+json", _many_rows(50_000))
    result = invoke(
        "sparql", "SELECT * WHERE { ?s ?p ?o }", "--endpoint", fake.url, "--format", "tsv"
    )
    assert result.exit_code == 0
    assert result.output.count("\n") == 50_001


def test_an_answer_over_the_size_limit_is_refused(fake):
    fake.reply = (200, "application/sparql-results+json", _many_rows(50_000))
    result = invoke(
        "sparql",
        "SELECT * WHERE { ?s ?p ?o }",
        "--endpoint",
        fake.url,
        env={"HKIT_ENDPOINT_MAX_BYTES": "100000"},
    )
    assert result.exit_code == 2
    assert result.output.splitlines()[0] == (
        f"hkit: error: the endpoint {fake.url} sent more than 100,000 bytes; hkit stopped reading"
    )


class RawEndpoint:
    """A TCP server on 127.0.0.1 that reads a request and answers with raw bytes, however
    malformed, then closes the connection."""

    def __init__(self, answer: bytes) -> None:
        self.answer = answer
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/sparql"
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = self.sock.accept()
                with conn:
                    conn.settimeout(5)
                    data = b""
                    while b"\r\n\r\n" not in data:
                        data += conn.recv(65536)
                    head, _, body = data.partition(b"\r\n\r\n")
                    length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
                    while len(body) < length:
                        body += conn.recv(65536)
                    with contextlib.suppress(OSError):
                        conn.sendall(self.answer)


JSON_OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"


def answer(content_type: str, body: bytes) -> bytes:
    """A well-formed HTTP answer around ``body``."""
    return (
        f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )


ASK_ROW = b'{"head": {"vars": ["__ASK_RETVAL"]}, "results": {"bindings": ["x"]}}'
RAW_FAULTS = {
    "garbage status line": b"HTTQ/9 two hundred\r\n\r\n",
    "over 100 headers": JSON_OK + b"".join(b"X-H%d: v\r\n" % i for i in range(150)) + b"\r\n{}",
    "a 70 KB header": JSON_OK + b"X-Big: " + b"v" * 70_000 + b"\r\n\r\n{}",
    "a chunk cut short": JSON_OK
    + b"Transfer-Encoding: chunked\r\n\r\n400\r\n"
    + b'{"head": {"vars": []}',
    "deeply nested JSON": answer(
        "application/sparql-results+json", b"[" * 100_000 + b"]" * 100_000
    ),
    "a malformed ASK": answer("application/sparql-results+json", ASK_ROW),
    "a SELECT answered with N-Triples": answer(
        "application/n-triples", b"<urn:a> <urn:b> <urn:c> ."
    ),
}


@pytest.mark.parametrize("fault", list(RAW_FAULTS))
def test_a_malformed_http_answer_is_one_line_and_exit_2(fault):
    server = RawEndpoint(RAW_FAULTS[fault])
    try:
        result = invoke("--timeout", "10", "query", "funds-by-size", "--endpoint", server.url)
    finally:
        server.sock.close()
    assert result.exit_code == 2, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("hkit: error: "), lines
    assert len(lines) <= 2 and "Traceback" not in result.output


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:1/spa rql",
        "http://127.0.0.1:1/sparql\r\nX-Injected: 1",
        "http://[::1/sparql",
        "http://127.0.0.1:99999/sparql",
    ],
    ids=["a space", "CR LF", "a broken IPv6 literal", "a port out of range"],
)
def test_a_malformed_endpoint_url_is_one_line_and_exit_2(url):
    result = invoke("query", "funds-by-size", "--endpoint", url)
    assert result.exit_code == 2, result.output
    assert result.output.startswith("hkit: error: ") and "not an http or https URL" in result.output


def test_a_compact_default_graph_is_expanded(fake):
    result = invoke(
        "query", "funds-by-size", "--endpoint", fake.url, "--default-graph", "id:some-graph"
    )
    assert result.exit_code == 0, result.output
    (request,) = fake.requests
    assert request["form"]["default-graph-uri"] == ["https://w3id.org/hkit/id/some-graph"]
