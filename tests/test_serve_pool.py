"""``hkit serve``'s pool of long-lived query workers (hkit.store.pool): the same answers as a
child forked per query, on the in-memory and the on-disk store; a worker that outlives the
timeout, passes the memory limit, crashes or is killed from outside is replaced and the next
query answered; concurrent clients each get their own answer; a client gone mid-answer leaves
the pool serving; a worker reaches no network. Real servers on loopback, started by the tests.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import socket
import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest
from helpers import ROOT
from test_serve import Served

import hkit
from hkit import HkitError, QueryFailed
from hkit.store.pool import Pool, default_workers

pytestmark = pytest.mark.skipif(
    not os.path.isdir("/proc/self/task"), reason="the workers are found through /proc"
)

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
#: gigabytes of distinct strings, and a one-row answer (the row cap cannot refuse it first)
GREEDY = (
    "SELECT (COUNT(DISTINCT ?x) AS ?n) "
    "WHERE { ?a ?b ?c . ?d ?e ?f BIND(CONCAT(STR(?c), STR(?f)) AS ?x) }"
)
ASK = "ASK { ?s ?p ?o }"


def workers_of(pid: int) -> set[int]:
    """The processes that ``pid`` forked and that still run (its pool's workers)."""
    found: set[int] = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as fh:
            found.update(int(child) for child in fh.read().split())
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def sparql(server: Served, text: str, accept: str = "text/csv") -> tuple[int, str]:
    """POST ``text`` to the server's endpoint: the status and the body."""
    body = urllib.parse.urlencode({"query": text}).encode()
    status, _, answer = server.request(
        "POST",
        "/sparql",
        body,
        {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
    )
    return status, answer.decode("utf-8")


def test_every_saved_query_answers_as_from_a_child_in_memory_and_on_disk(tmp_path, monkeypatch):
    """Each saved query with its examples' values: the pool's answer is the per-query child's,
    row for row, on the in-memory store and on an on-disk one (whose files the workers read)."""
    monkeypatch.setenv("HKIT_CACHE_DIR", str(tmp_path / "cache"))
    for persistent in (False, True):
        if persistent:
            monkeypatch.setattr("hkit.store.stores.PERSISTENT_FROM_BYTES", 1)
        kg = hkit.open(root=ROOT, timeout=120)
        texts = [kg.prepare(name, **saved.examples[0]) for name, saved in kg.queries.items()]
        engine = kg.embedded
        expected = [engine.run(text, 120) for text in texts]  # a child each
        assert kg.start_pool(2) is not None
        try:
            assert engine.pool is not None
            answers = [engine.run(text, 120) for text in texts]
            inferred_off = engine.asserted().run(texts[0], 120)
        finally:
            kg.stop_pool()
        assert answers == expected
        assert inferred_off == engine.asserted().run(texts[0], 120)
        assert len(expected) == len(kg.queries) and any(a.rows for a in expected)


def test_a_timed_out_query_ends_its_worker_and_the_next_is_answered(tmp_path):
    server = Served(tmp_path, "--workers", "1", timeout=2)
    try:
        (first,) = workers_of(server.process.pid)
        status, body = sparql(server, SLOW)
        assert (status, body) == (503, "the query did not finish within 2 seconds\n")
        assert sparql(server, ASK, "application/sparql-results+json")[0] == 200
        (second,) = workers_of(server.process.pid)
        assert second != first and not alive(first)
        status, body = sparql(server, "SELECT ?x WHERE { VALUES ?x { 41 } }")
        assert (status, body.split()) == (200, ["x", "41"])
    finally:
        server.stop()


@pytest.mark.slow  # filling the memory takes seconds (the timeout test shows the replacing)
def test_a_query_past_the_memory_limit_ends_its_worker_and_the_next_is_answered(tmp_path):
    server = Served(tmp_path, "--workers", "1", timeout=120, env={"HKIT_QUERY_MEMORY_MB": "64"})
    try:
        (first,) = workers_of(server.process.pid)
        status, body = sparql(server, GREEDY)
        assert status == 400
        assert "needed more than the 64 MB of memory a query may use" in body
        status, body = sparql(server, "SELECT ?x WHERE { VALUES ?x { 42 } }")
        assert (status, body.split()) == (200, ["x", "42"])
        (second,) = workers_of(server.process.pid)
        assert second != first and not alive(first)
    finally:
        server.stop()


def test_a_worker_killed_from_outside_is_replaced(tmp_path):
    """Every worker killed while idle: the next queries are answered (a job handed to a dead
    worker is handed to a fresh one), by new workers, as many as before."""
    server = Served(tmp_path, "--workers", "2")
    try:
        before = workers_of(server.process.pid)
        assert len(before) == 2
        for pid in before:
            os.kill(pid, signal.SIGKILL)
        for n in range(4):
            status, body = sparql(server, f"SELECT ?x WHERE {{ VALUES ?x {{ {n} }} }}")
            assert (status, body.split()) == (200, ["x", str(n)])
        after = workers_of(server.process.pid)
        assert len(after) == 2 and not after & before
        assert not any(alive(pid) for pid in before)
    finally:
        server.stop()


def test_a_crashing_query_is_told_as_a_childs_crash_and_the_pool_serves_on():
    """The engine crashing on a query (past the server's check of nesting, which refuses this
    text first): the same one-line error as a child forked for the query, and a fresh worker
    answers the next."""
    nested = "SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000  # crashes pyoxigraph
    kg = hkit.open(root=ROOT)
    with pytest.raises(QueryFailed) as by_child:
        kg.embedded.run(nested, 60)
    with Pool(kg.embedded, 1) as pool:
        pool.start()
        (first,) = pool.pids()
        with pytest.raises(QueryFailed) as by_worker:
            pool.run(nested, 60)
        assert str(by_worker.value) == str(by_child.value)
        assert "crashed on this query" in str(by_worker.value)
        assert pool.run(ASK, 60).boolean is True
        assert pool.replaced == 1 and pool.pids() != [first] and not alive(first)


def test_concurrent_clients_each_get_their_own_answer(tmp_path):
    """20 clients, 200 queries whose answers each name the request (and a saved query's among
    them): no answer reaches another request, nothing is refused."""
    server = Served(tmp_path, "--workers", "2", "--max-queries", "8")
    try:
        _, _, catalogue = server.get("/api/queries/funds-by-size?format=csv")

        def ask(n: int) -> bool:
            if n % 10 == 0:
                return server.get("/api/queries/funds-by-size?format=csv")[2] == catalogue
            text = f'SELECT ?n ?s WHERE {{ VALUES (?n ?s) {{ ({n} "request {n}") }} }}'
            status, body = sparql(server, text)
            return status == 200 and body.split("\r\n")[1] == f"{n},request {n}"

        with ThreadPoolExecutor(20) as clients:
            answers = list(clients.map(ask, range(200)))
        assert answers == [True] * 200
        assert len(workers_of(server.process.pid)) == 2
    finally:
        server.stop()


def test_a_client_gone_mid_answer_leaves_the_pool_serving(tmp_path):
    server = Served(tmp_path, "--workers", "1")
    text = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 9000"
    body = urllib.parse.urlencode({"query": text})
    request = (
        f"GET /sparql?{body} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nAccept: text/csv\r\n\r\n"
    ).encode()
    try:
        before = workers_of(server.process.pid)
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", server.port), timeout=60) as client:
                client.sendall(request)
                assert client.recv(64).startswith(b"HTTP/1.1 200")
            # closed with most of the answer unread
        status, answer = sparql(server, text)
        rows = len(hkit.open(root=ROOT).sparql(text).rows)
        assert status == 200 and len(list(csv.reader(io.StringIO(answer)))) == 1 + rows > 5000
        assert workers_of(server.process.pid) == before
    finally:
        server.stop()


def test_a_worker_reaches_no_network(canary):
    """A SERVICE clause handed to a worker directly (past the server): refused there, the canary
    sees nothing, and the worker answers the next query; and the worker itself is cut off from
    the network (a seccomp filter, or a network namespace of its own), for a text that every
    check missed."""
    kg = hkit.open(root=ROOT)
    with Pool(kg.embedded, 1) as pool:
        pool.start()
        before = len(canary.hits)
        text = f"SELECT * WHERE {{ SERVICE <{canary.base}/sparql> {{ ?s ?p ?o }} }}"
        with pytest.raises(HkitError, match="SERVICE"):
            pool.run(text, 60)
        with pytest.raises(HkitError, match="SERVICE"):
            pool.run(text, 60, checks=True)
        assert canary.hits[before:] == []
        assert pool.run(ASK, 60).boolean is True
        assert pool.replaced == 0
        (worker,) = pool.pids()
        with open(f"/proc/{worker}/status", encoding="ascii") as fh:
            seccomp = [line.split()[1] for line in fh if line.startswith("Seccomp:")]
        filtered = seccomp == ["2"]
        own_network = os.readlink(f"/proc/{worker}/ns/net") != os.readlink("/proc/self/ns/net")
        assert filtered or own_network


def test_workers_answer_from_the_new_store_once_it_is_built_again(tmp_path):
    """The graph's store replaced (as when a damaged on-disk store is built again): the workers
    of the old store are retired and new ones answer from the new store."""
    extra = tmp_path / "extra.ttl"
    extra.write_text('<https://example.org/x> <https://example.org/says> "before" .\n')
    kg = hkit.open(root=ROOT, data=[extra])
    pool = kg.start_pool(1)
    assert pool is not None
    said = "SELECT ?o WHERE { <https://example.org/x> <https://example.org/says> ?o }"
    try:
        assert [r["o"].value for r in kg.run(said).rows] == ["before"]
        old = pool.pids()
        extra.write_text('<https://example.org/x> <https://example.org/says> "after" .\n')
        kg._engine = None  # what a damaged store's discarding does
        assert [r["o"].value for r in kg.run(said).rows] == ["after"]
        assert pool.pids() and not set(pool.pids()) & set(old)
        assert not any(alive(pid) for pid in old)
    finally:
        kg.stop_pool()
    assert not pool.pids()


def test_the_pool_is_sized_to_the_machine():
    assert default_workers() == len(os.sched_getaffinity(0))
    kg = hkit.open(root=ROOT)
    pool = kg.start_pool()
    assert pool is not None
    try:
        assert len(pool.pids()) == default_workers()
    finally:
        kg.stop_pool()


def test_a_worker_waits_its_turn_when_all_are_busy():
    """More threads than workers: each query waits for a free worker and is answered."""
    kg = hkit.open(root=ROOT)
    with Pool(kg.embedded, 1) as pool:
        results: list[int] = []
        lock = threading.Lock()

        def ask(n: int) -> None:
            rows = pool.run(f"SELECT ?x WHERE {{ VALUES ?x {{ {n} }} }}", 60).rows
            with lock:
                results.append(int(rows[0]["x"].value))

        threads = [threading.Thread(target=ask, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(results) == list(range(8))
        assert len(pool.pids()) == 1


def test_workers_option_is_checked():
    from click.testing import CliRunner

    from hkit.cli.group import main

    result = CliRunner().invoke(main, ["serve", "--workers", "0"])
    assert result.exit_code == 2
    assert "--workers" in result.output
