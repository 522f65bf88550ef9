"""``hkit serve`` against hostile clients: idle and slow connections, a page rebound to
127.0.0.1 by DNS, cross-site form posts, floods of page requests, answers too large to send; and
the small cases of bad input (Accept with nothing acceptable, empty required parameters). Each
against a real server on loopback."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import tempfile
import threading
import urllib.error
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers import ROOT, serving_in_thread
from stores import free_port
from test_serve import Served

import hkit
from hkit.web.app import DOCS_PREFIX, make_app


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    server = Served(
        tmp_path_factory.mktemp("serve"), "--max-rows", "1000", "--request-timeout", "1"
    )
    yield server
    server.stop()


def _closed_by_server(sock: socket.socket, limit: float = 30) -> bool:
    """Whether the server closes ``sock`` (an empty read) within ``limit`` seconds; reading
    blocks until then, so this waits on the event, not on a guess of its time."""
    sock.settimeout(limit)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def test_idle_connections_do_not_block_others(tmp_path):
    """100 connections that send nothing, kept open for the whole test (a request timeout of
    60 s): an ordinary request is still answered, pages too."""
    server = Served(tmp_path, "--request-timeout", "60")
    idle = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(100)]
    try:
        status, _, body = server.get("/api/queries/funds-by-size?format=json")
        assert status == 200 and json.loads(body)["results"]["bindings"]
        status, _, _ = server.get("/")
        assert status == 200
    finally:
        for s in idle:
            s.close()
        server.stop()


def test_idle_connections_are_closed_after_the_request_timeout(served):
    idle = [socket.create_connection(("127.0.0.1", served.port), timeout=10) for _ in range(20)]
    try:
        assert all(_closed_by_server(s) for s in idle)
    finally:
        for s in idle:
            s.close()


def test_a_request_head_sent_slowly_is_cut_off(served):
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
        sock.sendall(b"GET /api/queries HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never finished
        assert _closed_by_server(sock)


def test_a_body_sent_slowly_is_refused_with_408(served):
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
        sock.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/sparql-query\r\nContent-Length: 100\r\n\r\nSELECT"
        )
        sock.settimeout(30)
        answer = b""
        while b"\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 408"), answer[:100]


@pytest.mark.parametrize(
    "host",
    [
        "attacker.example",
        "attacker.example:80",
        "10.0.0.1",
        "[::1]evil.example",
        "localhost:evil",
        "localhost.evil.example",
    ],
)
def test_a_rebound_host_is_refused(served, host):
    status, _, body = served.request("GET", "/api/queries", None, {"Host": host})
    assert status == 400
    assert b"--allow-host" in body and body[-1:] == b"\n"


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]"])
def test_loopback_names_are_answered(served, host):
    port = f":{served.port}"
    status, _, _ = served.request("GET", "/api/queries", None, {"Host": host + port})
    assert status == 200


FORM = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}).encode()
FORM_TYPE = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
    ],
    ids=["another-origin", "null-origin", "cross-site-form"],
)
def test_a_cross_origin_post_is_refused(served, headers):
    status, _, body = served.request("POST", "/sparql", FORM, {**FORM_TYPE, **headers})
    assert status == 403
    assert b"--cors" in body


def test_a_same_origin_post_is_answered(served):
    own = {"Origin": served.base, "Sec-Fetch-Site": "same-origin"}
    status, _, body = served.request("POST", "/sparql", FORM, {**FORM_TYPE, **own})
    assert status == 200, body


@pytest.fixture(scope="module")
def allowing(tmp_path_factory):
    """A server that allows one more host name and one origin."""
    server = Served(
        tmp_path_factory.mktemp("allowing"),
        "--allow-host",
        "kg.example",
        "--cors",
        "http://app.example",
        "--max-bytes",
        "100000",
    )
    yield server
    server.stop()


def test_an_allowed_host_is_answered(allowing):
    status, _, _ = allowing.request("GET", "/api/queries", None, {"Host": "kg.example"})
    assert status == 200
    status, _, _ = allowing.request("GET", "/api/queries", None, {"Host": "other.example"})
    assert status == 400


def test_an_answer_whose_rendering_passes_the_byte_cap_is_refused(allowing):
    """50 kB of control characters are 50 kB of values and 300 kB of SPARQL JSON (each one
    escaped as \u0001): the cap applies to what is sent."""
    query = 'SELECT ?v WHERE { BIND("' + "\\u0001" * 50_000 + '" AS ?v) }'
    status, _, body = allowing.request(
        "POST", "/sparql", query.encode(), {"Content-Type": "application/sparql-query"}
    )
    assert status == 413, body[:200]
    assert b"larger than 100,000 bytes" in body


def test_many_names_for_iri_parameters_are_refused(served):
    values = "&".join(["entity=hkust"] * 101)
    status, _, body = served.get(f"/api/queries/entity-provenance?{values}")
    assert status == 400 and b"a request may give 100" in body


def test_a_post_from_the_cors_origin_is_answered(allowing):
    origin = {"Origin": "http://app.example"}
    status, headers, _ = allowing.request("POST", "/sparql", FORM, {**FORM_TYPE, **origin})
    assert status == 200
    assert headers.get("access-control-allow-origin") == "http://app.example"
    status, _, _ = allowing.request(
        "POST", "/sparql", FORM, {**FORM_TYPE, "Origin": "http://other.example"}
    )
    assert status == 403


def test_a_refused_large_answer_never_enters_the_server(served):
    """200,000 rows with --max-rows 1000: refused by the query's child as the rows are read, so
    the server's own peak memory grows by less than 50 MB."""

    def peak() -> int:
        status = Path(f"/proc/{served.process.pid}/status").read_text()
        return int(
            next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1]
        )

    if not Path(f"/proc/{served.process.pid}/status").exists():
        pytest.skip("no /proc here")
    query = "SELECT * WHERE { ?s ?p ?o . ?a ?b ?c } LIMIT 200000"
    served.get("/api/queries/funds-by-size?format=json")  # the server has warmed up
    before = peak()
    for _ in range(4):
        status, _, body = served.get("/sparql?" + urllib.parse.urlencode({"query": query}))
        assert status == 413 and b"more than 1,000 rows" in body
    assert peak() - before < 50 * 1024, (before, peak())


def test_an_answer_too_many_bytes_is_refused(served):
    text = "x" * 200_000
    query = f'SELECT ?v WHERE {{ ?s ?p ?o BIND("{text}" AS ?v) }} LIMIT 500'
    status, _, body = served.request(
        "POST", "/sparql", query.encode(), {"Content-Type": "application/sparql-query"}
    )
    assert status == 413, body[:200]
    assert b"larger than 16,000,000 bytes" in body


@pytest.mark.parametrize("accept", ["*/*;q=0", "application/json;q=0", "text/html;q=0, */*;q=0"])
def test_nothing_acceptable_is_406(served, accept):
    status, _, _ = served.get("/api/queries/funds-by-size", accept=accept)
    assert status == 406
    query = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    status, _, _ = served.get("/sparql?" + query, accept=accept)
    assert status == 406


@pytest.mark.parametrize(
    "path",
    [
        "/api/queries/who-works-in-sector?sector=",
        "/api/queries/who-works-in-sector?sector=&format=json",
        "/queries/who-works-in-sector?sector=&run=",
        "/sparql?query=",
    ],
)
def test_an_empty_required_value_is_400(served, path):
    status, _, body = served.get(path)
    assert status == 400, body[:300]


def test_the_library_refuses_an_empty_required_value():
    with pytest.raises(hkit.core.errors.QueryError, match="needs parameter 'sector'"):
        hkit.open(root=ROOT).query("who-works-in-sector", sector="")


@pytest.mark.parametrize("value", [5, None, 1.5, b"fintech", ["fintech", 3], {"a": 1}])
def test_the_library_refuses_a_value_of_the_wrong_type(value):
    with pytest.raises(hkit.core.errors.QueryError, match="parameter 'sector' must be text"):
        hkit.open(root=ROOT).query("who-works-in-sector", sector=value)


# -- every route that runs a query is admitted as a query is ------------


class Counting:
    """A stand-in for the graph's methods that counts how many run at once, and blocks each
    until released, so that the most that ran together is known for certain."""

    def __init__(self, kg: hkit.KnowledgeGraph) -> None:
        self.kg = kg
        self.lock = threading.Lock()
        self.running = self.most = self.calls = 0
        self.release = threading.Event()

    def wrap(self, method):
        local = self.local = getattr(self, "local", threading.local())

        def counted(*args, **kwargs):
            if getattr(local, "inside", False):  # a method that another one calls (describe
                return method(*args, **kwargs)  # runs queries): counted once, outermost
            local.inside = True
            with self.lock:
                self.running += 1
                self.calls += 1
                self.most = max(self.most, self.running)
            try:
                self.release.wait(60)
                return method(*args, **kwargs)
            finally:
                local.inside = False
                with self.lock:
                    self.running -= 1

        return counted


@pytest.fixture(
    params=[pytest.param(1, marks=pytest.mark.slow), 4], ids=["max-queries-1", "max-queries-4"]
)
def in_process_server(monkeypatch, request):
    """make_app on a real uvicorn server in a thread of this process, with --max-queries 1 and
    4, and the graph's query-running methods counted."""

    kg = hkit.open(root=ROOT)
    kg.stats()
    # the app first: making it runs queries of its own (the classes, the ontology's terms), which
    # the counted methods would hold until the test releases them
    app = make_app(kg, max_queries=request.param)
    counting = Counting(kg)
    for name in ("find", "describe", "stats", "run", "with_source_names"):
        monkeypatch.setattr(kg, name, counting.wrap(getattr(kg, name)))
    with serving_in_thread(app, free_port()) as base:
        yield base, counting, request.param
        counting.release.set()


#: Every route that runs queries; the default run sends 30 requests to one of them, CI to all.
ROUTES = ["/search?q=HKUST"] + [
    pytest.param(path, marks=pytest.mark.slow)
    for path in ["/id/hkust", "/", "/queries/funds-by-size?run=", "/sparql?query=ASK%7B%7D"]
]


@pytest.mark.parametrize("path", ROUTES)
def test_every_route_waits_for_a_query_slot(in_process_server, path):
    """30 requests at once to a route that runs queries: never more at once than the slots
    allow; with the default four slots every one is answered, and so is an ordinary API
    request sent among them."""
    import urllib.request

    base, counting, slots = in_process_server

    def get(url: str) -> int:
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    with ThreadPoolExecutor(31) as pool:
        answers = [pool.submit(get, base + path) for _ in range(30)]
        normal = pool.submit(get, base + "/api/queries/funds-by-size?format=json")
        while counting.calls < 1:  # the first request holds its slot...
            threading.Event().wait(0.01)
        counting.release.set()  # ...until released; then all go through, a slot at a time
        statuses = [a.result() for a in answers]
        normal_status = normal.result()
    assert counting.most <= slots
    if slots == 4:
        assert statuses == [200] * 30
        assert normal_status == 200
    else:  # 17 may run or wait with one slot; the rest are told to come back
        assert set(statuses) <= {200, 503} and statuses.count(200) >= 16


def test_leftover_docs_folders_of_a_killed_server_are_removed():
    import subprocess
    import sys

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    leftover = Path(tempfile.mkdtemp(prefix=f"{DOCS_PREFIX}{gone.pid}-"))
    (leftover / "index.html").write_text("old", encoding="utf-8")
    mine = Path(tempfile.mkdtemp(prefix=f"{DOCS_PREFIX}{os.getpid()}-"))
    try:
        app = make_app(hkit.open(root=ROOT))
        assert not leftover.exists()
        assert mine.exists()  # a running server's folder is left alone
        asyncio.run(_shutdown(app))
    finally:
        for folder in (leftover, mine):
            if folder.exists():
                import shutil

                shutil.rmtree(folder)


async def _shutdown(app) -> None:
    async with app.router.lifespan_context(app):
        pass


@pytest.mark.slow
def test_a_client_that_stops_reading_its_answer_is_cut_off(tmp_path):
    """An answer the client does not read stays in the server only for the request timeout:
    then the connection, and the answer held for it, goes (a client that reads on is never
    cut)."""
    import time

    server = Served(
        tmp_path, "--request-timeout", "1", "--max-rows", "300000", "--max-bytes", "1000000000"
    )
    try:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
            sock.connect(("127.0.0.1", server.port))
            query = urllib.parse.urlencode(
                {"query": "SELECT * { ?s ?p ?o . ?a ?b ?c } LIMIT 80000", "format": "json"}
            )
            sock.sendall(f"GET /sparql?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            sock.settimeout(120)
            head = b""
            while b"\r\n\r\n" not in head:
                head += sock.recv(1)
            length = int(
                next(
                    line.split(b":")[1]
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
            )
            time.sleep(10)  # ten times the timeout, reading nothing
            received = 0
            try:
                while chunk := sock.recv(1 << 16):
                    received += len(chunk)
            except ConnectionResetError:
                pass
        assert received < length  # cut off, not delivered in full
    finally:
        server.stop()
