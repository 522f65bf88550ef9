"""``hkit serve``: a real server on loopback, started by the tests, asked by real clients: hkit
itself (``--endpoint``), rdflib's SPARQL client, Apache Jena's remote query command, plain HTTP,
and headless Chromium. Every saved query must give the rows that ``hkit query`` gives."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ROOT
from stores import free_port

import hkit
from hkit.cli.group import main

pytest.importorskip("starlette", reason="hkit serve needs the serve extra")

QUERIES = hkit.open(root=ROOT).queries
ROOT_FILES = {
    p: p.stat().st_mtime_ns
    for d in ("ontology", "data", "queries")
    for p in (ROOT / d).rglob("*")
    if p.is_file()
}
HOSTILE = ROOT / "tests" / "fixtures" / "serve" / "hostile.ttl"


class Served:
    """``hkit serve`` in a process of its own, on a free port of 127.0.0.1."""

    HKIT = (sys.executable, "-m", "hkit")

    def __init__(
        self,
        tmp: Path,
        *args: str,
        data: tuple[Path, ...] = (),
        timeout: float = 30,
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "HKIT_CACHE_DIR": str(tmp / "cache"), **(env or {})}
        extra = [a for path in data for a in ("--data", str(path))]
        self.log = tmp / f"serve-{self.port}.log"
        serve = ["serve", "--port", str(self.port), *args]
        self.process = subprocess.Popen(
            [*self.HKIT, "--root", str(ROOT), "--timeout", str(timeout), *extra, *serve],
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("w"),
            text=True,
            env=env,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.base + "/api/queries", timeout=5).read()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.process.kill()
                    self.process.wait(timeout=10)
                    raise RuntimeError(
                        f"hkit serve did not start: {self.log.read_text()}"
                    ) from None
                time.sleep(0.2)

    def get(self, path: str, accept: str | None = None) -> tuple[int, dict, bytes]:
        return self.request("GET", path, None, {"Accept": accept} if accept else {})

    def request(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, dict, bytes]:
        request = urllib.request.Request(self.base + path, data=body, method=method)
        for key, value in headers.items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        return self.process.returncode, self.log.read_text()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    server = Served(tmp_path_factory.mktemp("serve"), data=(HOSTILE,))
    yield server
    server.stop()


def _example_text(name: str) -> str:
    return hkit.open(root=ROOT).prepare(name, **QUERIES[name].examples[0])


def _example_args(name: str) -> list[str]:
    return [f"{k}={v}" for k, values in QUERIES[name].examples[0].items() for v in values]


def _tsv(args: list[str]) -> str:
    result = CliRunner().invoke(main, ["--root", str(ROOT), "--data", str(HOSTILE), *args])
    assert result.exit_code == 0, result.output
    return result.output


# -- the endpoint and the API give what hkit query gives ------------


def _names() -> list:
    """Every saved query: three in the default test run, all of them in CI."""
    return [n if n in FEW else pytest.param(n, marks=pytest.mark.slow) for n in sorted(QUERIES)]


#: The queries the default test run sends through every client; CI sends them all.
FEW = ["funds-by-size", "people-and-posts", "start-ups-and-unicorns"]


@pytest.mark.parametrize("name", _names())
def test_every_saved_query_through_the_endpoint_and_the_api(served, name):
    params = [a for p in _example_args(name) for a in ("-p", p)]
    expected = _tsv(["query", name, *params, "--format", "tsv"])
    through_endpoint = CliRunner().invoke(
        main,
        [
            "--root",
            str(ROOT),
            "query",
            name,
            *params,
            "--format",
            "tsv",
            "--endpoint",
            served.base + "/sparql",
        ],
    )
    assert through_endpoint.exit_code == 0, through_endpoint.output
    assert through_endpoint.output == expected
    query = urllib.parse.urlencode([tuple(p.split("=", 1)) for p in _example_args(name)])
    status, headers, body = served.get(
        f"/api/queries/{name}?{query}", accept="text/tab-separated-values"
    )
    assert status == 200, body
    assert headers["content-type"].startswith("text/tab-separated-values")
    assert body.decode("utf-8") == expected


@pytest.mark.parametrize("name", _names())
def test_every_saved_query_through_rdflibs_sparql_client(served, name):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    text = _example_text(name)
    store = SPARQLStore(query_endpoint=served.base + "/sparql", returnFormat="json")
    remote = [
        tuple(str(row[v]) if row[v] is not None else None for v in row.labels)
        for row in store.query(text)
    ]
    local = hkit.open(root=ROOT, data=[HOSTILE]).run(text)
    expected = [
        tuple(row[v].value if v in row else None for v in local.variables) for row in local.rows
    ]
    assert remote == expected


@pytest.mark.stores
@pytest.mark.parametrize(
    "names",
    [
        pytest.param(FEW, id="few"),
        pytest.param(sorted(set(QUERIES) - set(FEW)), id="the-rest", marks=pytest.mark.slow),
    ],
)
def test_every_saved_query_through_jenas_remote_query(served, jena, tmp_path, names):
    """Apache Jena's rsparql, a client not written in Python: the same columns and the same
    values in its CSV."""
    import csv
    import io

    kg = hkit.open(root=ROOT, data=[HOSTILE])
    for name in names:
        text = _example_text(name)
        path = tmp_path / f"{name}.rq"
        path.write_text(text, encoding="utf-8")
        done = subprocess.run(
            [
                "java",
                "-cp",
                jena,
                "arq.rsparql",
                "--service",
                served.base + "/sparql",
                "--query",
                str(path),
                "--results",
                "CSV",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, (name, done.stderr)
        rows = list(csv.reader(io.StringIO(done.stdout)))
        local = kg.run(text)
        assert rows[0] == local.variables, name
        expected = [
            [row[v].value if v in row else "" for v in local.variables] for row in local.rows
        ]
        assert rows[1:] == expected, name


# -- the SPARQL 1.1 Protocol ------------

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def test_get_post_form_and_post_query_agree(served):
    form = urllib.parse.urlencode({"query": COUNT}).encode()
    answers = [
        served.get("/sparql?" + urllib.parse.urlencode({"query": COUNT})),
        served.request(
            "POST", "/sparql", form, {"Content-Type": "application/x-www-form-urlencoded"}
        ),
        served.request(
            "POST", "/sparql", COUNT.encode(), {"Content-Type": "application/sparql-query"}
        ),
    ]
    assert {status for status, _, _ in answers} == {200}
    values = {json.loads(body)["results"]["bindings"][0]["n"]["value"] for _, _, body in answers}
    assert len(values) == 1


def test_the_endpoint_sees_what_the_ontology_entails_unless_infer_is_false(served):
    """As GraphDB's and RDF4J's endpoints take it: infer=false leaves out the inferred triples;
    an unknown value is a 400."""
    text = (
        "PREFIX hkit: <https://w3id.org/hkit/ontology#> "
        "SELECT (COUNT(*) AS ?n) WHERE { ?p hkit:holdsPost ?post }"
    )

    def count(extra: str) -> int:
        status, _, body = served.get(
            "/sparql?" + urllib.parse.urlencode({"query": text}) + extra,
            accept="application/sparql-results+json",
        )
        assert status == 200, body
        return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])

    assert count("") == count("&infer=true") == 12
    assert count("&infer=false") == 0
    form = urllib.parse.urlencode({"query": text, "infer": "false"}).encode()
    status, _, body = served.request(
        "POST", "/sparql", form, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "0"
    status, _, body = served.get("/sparql?" + urllib.parse.urlencode({"query": text}) + "&infer=no")
    assert status == 400 and b"infer is true" in body


def test_a_server_of_the_asserted_graph(tmp_path):
    server = Served(tmp_path, "--asserted")
    try:
        query = urllib.parse.urlencode({"query": COUNT_ORGANISATIONS})
        status, _, body = server.get("/sparql?" + query, accept="application/sparql-results+json")
        assert status == 200
        assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "6"
    finally:
        server.stop()


COUNT_ORGANISATIONS = (
    "PREFIX hkit: <https://w3id.org/hkit/ontology#> "
    "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a hkit:Organisation }"
)


@pytest.mark.parametrize(
    ("accept", "media", "start"),
    [
        ("application/sparql-results+json", "application/sparql-results+json", b"{"),
        ("application/sparql-results+xml", "application/sparql-results+xml", b"<?xml"),
        ("text/csv", "text/csv", b"n\r\n"),
        ("text/tab-separated-values", "text/tab-separated-values", b"?n\n"),
        ("*/*", "application/sparql-results+json", b"{"),
        ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml", b"<"),
    ],
)
def test_results_are_negotiated_by_accept(served, accept, media, start):
    status, headers, body = served.get(
        "/sparql?" + urllib.parse.urlencode({"query": COUNT}), accept
    )
    assert status == 200
    assert headers["content-type"].startswith(media)
    assert body.startswith(start)


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("text/turtle", "text/turtle"),
        ("application/n-triples", "application/n-triples"),
        ("application/ld+json", "application/ld+json"),
    ],
)
def test_graphs_are_negotiated_by_accept(served, accept, media):
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5"
    status, headers, body = served.get(
        "/sparql?" + urllib.parse.urlencode({"query": query}), accept
    )
    assert status == 200
    assert headers["content-type"].startswith(media)
    import rdflib

    fmt = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld"}
    assert len(rdflib.Graph().parse(data=body, format=fmt[media])) == 5


def test_the_service_description(served):
    status, headers, body = served.get("/sparql")
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    import rdflib

    graph = rdflib.Graph().parse(data=body, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    assert (None, sd.supportedLanguage, sd.SPARQL11Query) in graph


@pytest.mark.parametrize(
    ("method", "body", "headers", "path", "status", "says"),
    [
        (
            "POST",
            b"INSERT DATA { <a:b> <a:c> <a:d> }",
            {"Content-Type": "application/sparql-update"},
            "/sparql",
            403,
            "read-only",
        ),
        (
            "POST",
            b"update=DROP+ALL",
            {"Content-Type": "application/x-www-form-urlencoded"},
            "/sparql",
            403,
            "read-only",
        ),
        ("GET", None, {}, "/sparql?query=" + urllib.parse.quote("DROP ALL"), 400, ""),
        (
            "GET",
            None,
            {},
            "/sparql?query="
            + urllib.parse.quote("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"),
            400,
            "SERVICE",
        ),
        (
            "GET",
            None,
            {},
            "/sparql?query=" + urllib.parse.quote("LOAD <http://127.0.0.1:9/x>"),
            400,
            "",
        ),
        (
            "GET",
            None,
            {},
            "/sparql?query=" + urllib.parse.quote("SELECT * FROM <urn:x> { ?s ?p ?o }"),
            400,
            "FROM",
        ),
        (
            "GET",
            None,
            {},
            "/sparql?" + urllib.parse.urlencode({"query": COUNT, "default-graph-uri": "urn:x"}),
            400,
            "one graph",
        ),
        ("GET", None, {}, "/sparql?query=SELEKT", 400, "not valid SPARQL"),
        ("GET", None, {}, "/sparql?query=" + "%7B" * 5000, 400, "nested"),
        (
            "POST",
            b"x" * 2_000_000,
            {"Content-Type": "application/sparql-query"},
            "/sparql",
            413,
            "larger",
        ),
        ("POST", b"<x/>", {"Content-Type": "text/xml"}, "/sparql", 415, "form-encoded"),
        (
            "GET",
            None,
            {"Accept": "image/png"},
            "/sparql?query=" + urllib.parse.quote(COUNT),
            406,
            "offered",
        ),
        ("DELETE", None, {}, "/sparql", 405, "not allowed"),
        ("GET", None, {}, "/api/queries/no-such-query", 404, "no saved query"),
        ("GET", None, {}, "/api/queries/unicorns-by-sector?bogus=1", 400, "no parameter"),
        (
            "GET",
            None,
            {},
            "/api/queries/people-and-posts?organisation=" + urllib.parse.quote('a"b>'),
            400,
            "parameter",
        ),
        ("GET", None, {}, "/api/queries/funds-by-size?format=yaml", 400, "format"),
    ],
)
def test_hostile_and_wrong_requests_get_a_clear_4xx(
    served, method, body, headers, path, status, says
):
    got, _, answer = served.request(method, path, body, headers)
    assert got == status, answer
    assert says.lower() in answer.decode("utf-8", "replace").lower()
    assert b"Traceback" not in answer


@pytest.mark.slow
def test_the_row_cap_and_the_query_slots(tmp_path):
    """One query runs, four wait for their turn, a sixth is told to come back (503); a query
    that outlasts the server's timeout, or waits past it, is a 503 too, and the server goes on."""
    import threading

    server = Served(tmp_path, "--max-rows", "5", "--max-queries", "1", timeout=3)
    try:
        status, _, body = server.get(
            "/sparql?" + urllib.parse.urlencode({"query": "SELECT * { ?s ?p ?o }"})
        )
        assert status == 413 and b"LIMIT" in body
        slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        outcome: list[int] = []

        def ask() -> None:
            outcome.append(server.get("/sparql?" + urllib.parse.urlencode({"query": slow}))[0])

        threads = [threading.Thread(target=ask) for _ in range(5)]
        for thread in threads:
            thread.start()
            time.sleep(0.2)
        status, _, body = server.get("/sparql?" + urllib.parse.urlencode({"query": COUNT}))
        assert status == 503 and b"try again" in body
        for thread in threads:
            thread.join(timeout=120)
        assert outcome == [503] * 5  # each ran out of the --timeout (or waited past it)
        status, _, _ = server.get("/sparql?" + urllib.parse.urlencode({"query": COUNT}))
        assert status == 200
    finally:
        code, err = server.stop()
    assert code == 143, err  # stopped by SIGTERM, as every command is (README's exit codes)


def test_sigterm_stops_the_server_cleanly_and_removes_its_files(tmp_path):
    import tempfile

    server = Served(tmp_path)
    # its own folder, named by its process id (other servers start beside it under xdist)
    (pages,) = Path(tempfile.gettempdir()).glob(f"hkit-serve-docs-{server.process.pid}-*")
    code, err = server.stop()
    assert code == 143, err
    assert err.strip().splitlines()[-1] == "hkit: stopped by SIGTERM"
    assert "Traceback" not in err
    assert not pages.exists()


def test_cors_only_when_asked(served, tmp_path):
    _, headers, _ = served.request("GET", "/api/queries", None, {"Origin": "http://example.org"})
    assert "access-control-allow-origin" not in {k.lower() for k in headers}
    server = Served(tmp_path, "--cors", "http://example.org")
    try:
        _, headers, _ = server.request(
            "GET", "/api/queries", None, {"Origin": "http://example.org"}
        )
        assert {k.lower(): v for k, v in headers.items()}["access-control-allow-origin"] == (
            "http://example.org"
        )
    finally:
        server.stop()


def test_a_host_other_than_loopback_is_warned_about(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hkit",
            "--root",
            str(ROOT),
            "serve",
            "--host",
            "0.0.0.0",
            "--port",
            str(port),
        ],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "HKIT_CACHE_DIR": str(tmp_path)},
    )
    try:
        line = process.stderr.readline()
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
    assert "warning: serving on 0.0.0.0" in line


# -- the API's description ------------


def test_the_openapi_description_is_valid_and_covers_every_query(served):
    from openapi_spec_validator import validate

    status, _, body = served.get("/api/openapi.json")
    assert status == 200
    document = json.loads(body)
    validate(document)
    assert {f"/api/queries/{name}" for name in QUERIES} <= set(document["paths"])
    funds = document["paths"]["/api/queries/funds-by-size"]["get"]
    assert funds["summary"] == QUERIES["funds-by-size"].summary
    assert any(p["name"] == "currency" for p in funds["parameters"])


def test_the_catalogue_is_what_hkit_queries_lists(served):
    status, _, body = served.get("/api/queries")
    listed = _tsv(["queries", "--format", "json"])
    assert status == 200 and json.loads(body) == json.loads(listed)


# -- pages ------------


def test_hostile_labels_are_escaped_on_every_page(served):
    for path in ("/id/hostile", "/search?q=" + urllib.parse.quote("<script>"), "/"):
        status, _, body = served.get(path)
        assert status == 200, path
        assert b"<script>" not in body and b"<img" not in body
    _, _, body = served.get("/id/hostile")
    assert b"&lt;script&gt;" in body


@pytest.mark.parametrize(
    "path",
    [
        "/ontology/../../etc/passwd",
        "/ontology/%2e%2e/%2e%2e/etc/passwd",
        "/id/..%2f..%2fetc",
        "/id/a%00b",
        "/queries/../api/queries",
    ],
)
def test_no_path_outside_what_it_serves(served, path):
    status, _, body = served.get(path)
    assert status in (400, 404), (path, status)
    assert b"root:" not in body


def test_an_entity_answers_rdf_when_asked(served):
    import rdflib

    for accept, fmt in (("text/turtle", "turtle"), ("application/ld+json", "json-ld")):
        status, headers, body = served.get("/id/hkust", accept)
        assert status == 200 and headers["content-type"].startswith(accept)
        graph = rdflib.Graph().parse(data=body, format=fmt)
        assert (rdflib.URIRef("https://w3id.org/hkit/id/hkust"), None, None) in graph
    status, headers, body = served.get("/id/hkust", "text/html")
    assert headers["content-type"].startswith("text/html")
    assert b"Hong Kong University of Science and Technology" in body


@pytest.mark.browser
def test_the_pages_in_headless_chromium(served):
    """Home, search, an entity, a saved query run from its form with its rows and sources, and
    a download link, with no console errors."""
    from browser import Browser

    with Browser() as browser:
        browser.open(served.base + "/")
        assert (
            browser.run("return document.querySelectorAll('a[href^=\"/queries/\"]').length") >= 25
        )
        browser.run(
            "document.querySelector('input[name=q]').value = 'HKSTP';"
            "document.querySelector('form.search').submit();"
        )
        time.sleep(1)
        link = browser.run("return document.querySelector('ul.results a').getAttribute('href')")
        assert link == "/id/hkstp"
        browser.open(served.base + link)
        assert "Science and Technology Parks" in browser.run(
            "return document.querySelector('h1').textContent"
        )
        assert browser.run("return document.querySelectorAll('ul.sources li').length") >= 1
        browser.open(served.base + "/queries/unicorns-by-sector")
        browser.run(
            "document.querySelector('[name=sector]').value = 'fintech';"
            "document.querySelector('form.run').submit();"
        )
        time.sleep(1)
        rows = browser.run("return document.querySelectorAll('table.answer tbody tr').length")
        assert rows >= 1
        headers = browser.run(
            "return Array.from(document.querySelectorAll('table.answer th'))"
            ".map(t => t.textContent)"
        )
        assert headers
        href = browser.run("return document.querySelector('a.download').href")
        with urllib.request.urlopen(href, timeout=30) as response:
            assert response.status == 200 and response.read()
        browser.open(served.base + "/queries/funds-by-size?run=1")
        sources = browser.run(
            "return Array.from(document.querySelectorAll('ol.legend li'))"
            ".map(t => t.textContent)"
            ".filter(t => /^\\[\\d+\\] .*, 20/.test(t)).length"
        )
        assert sources >= 1  # cited by key; the legend names each document and its date
        errors = [e for e in browser.console() if e.get("level") == "SEVERE"]
        assert errors == []


def test_a_slow_client_holds_no_query_slot(served):
    """A client that drips its request a byte at a time does not stop others being served."""
    import socket

    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as slow:
        for byte in b"GET /sparql?query=SELECT":
            slow.sendall(bytes([byte]))
            status, _, _ = served.get("/api/queries/funds-by-size?currency=HKD")
            assert status == 200
            time.sleep(0.05)


def _rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))


@pytest.mark.slow
def test_twenty_clients_for_thirty_seconds(tmp_path):
    """The load test: 20 clients run saved queries for 30 s on loopback; every answer is a 200
    and the server's memory stays flat (the latencies are in docs/benchmarks.md)."""
    import threading

    server = Served(tmp_path)
    names = sorted(QUERIES)
    statuses: list[int] = []

    def client(offset: int, seconds: float) -> None:
        stop, i = time.monotonic() + seconds, offset
        while time.monotonic() < stop:
            name = names[i % len(names)]
            query = urllib.parse.urlencode([tuple(p.split("=", 1)) for p in _example_args(name)])
            statuses.append(server.get(f"/api/queries/{name}?{query}", "text/csv")[0])
            i += 1

    try:
        client(0, 3)  # every query once or more, so that memory has reached its working size
        before = _rss_kb(server.process.pid)
        clients = [threading.Thread(target=client, args=(n, 30)) for n in range(20)]
        for c in clients:
            c.start()
        for c in clients:
            c.join(timeout=120)
        after = _rss_kb(server.process.pid)
    finally:
        server.stop()
    assert len(statuses) > 200
    assert set(statuses) == {200}
    assert after - before < 100_000, (before, after)  # kB: flat, not growing with requests


def test_serving_wrote_nothing_into_the_root():
    """Last in this module: after every request above, hostile ones included, the root's files
    are as they were (the server is read-only, and its pages live in a temporary folder)."""
    after = {p: p.stat().st_mtime_ns for p in _root_files()}
    assert after == ROOT_FILES


def _root_files() -> list[Path]:
    return [
        p for d in ("ontology", "data", "queries") for p in (ROOT / d).rglob("*") if p.is_file()
    ]
