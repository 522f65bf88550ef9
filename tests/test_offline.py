"""The second line of defence: an embedded query whose text names SERVICE runs in a child that
cannot open a network socket, so that even a SERVICE the read-only check missed reaches no host.
Checked against a canary server on loopback that counts every connection."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time

import pyoxigraph
import pytest

from hkit import QueryFailed
from hkit.store.engines import EmbeddedEngine
from hkit.store.offline import might_reach_network

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


@pytest.fixture()
def canary():
    """A TCP server on 127.0.0.1 that counts the connections it receives."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    hits: list[int] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            hits.append(1)
            conn.close()

    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()[1], hits
    server.close()


def _service(port: int) -> str:
    return f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"


def test_a_service_that_reaches_the_engine_reaches_no_host(canary, monkeypatch):
    monkeypatch.delenv("HKIT_IN_PROCESS", raising=False)
    monkeypatch.setattr("hkit.store.engines._refuse_outreach", lambda text: None)  # the cut alone
    port, hits = canary
    engine = EmbeddedEngine(pyoxigraph.Store())
    with pytest.raises(QueryFailed, match="tried to reach another host"):
        engine.run(_service(port), 10)  # the engine with its own read-only check switched off
    with pytest.raises(QueryFailed, match="tried to reach another host"):
        _, rows = engine.stream(_service(port), 10)
        list(rows)
    time.sleep(0.2)
    assert hits == []


def test_without_the_child_the_canary_would_be_reached(canary, monkeypatch):
    """The control: the same query in-process does reach the canary, so the test above proves
    the cut, not a canary that cannot be reached."""
    monkeypatch.setenv("HKIT_IN_PROCESS", "1")
    monkeypatch.setattr("hkit.store.engines._refuse_outreach", lambda text: None)
    port, hits = canary
    with pytest.raises(QueryFailed):
        EmbeddedEngine(pyoxigraph.Store()).run(_service(port), 10)
    deadline = time.monotonic() + 5
    while not hits and time.monotonic() < deadline:
        time.sleep(0.05)
    assert hits


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * { SERVICE <x:> { ?s ?p ?o } }",
        "select * { service <x:> { ?s ?p ?o } }",
        "SELECT * { SERVIC\\u0045 <x:> { ?s ?p ?o } }",
        "SELECT * { SERVIC\\U00000045 <x:> { ?s ?p ?o } }",
        "SELECT * { \u017fervice <x:> { ?s ?p ?o } }",  # long s: casefolds to s
    ],
)
def test_every_spelling_of_service_is_cut_off(text):
    assert might_reach_network(text)


def test_a_query_without_the_word_keeps_the_network_untouched():
    assert not might_reach_network("SELECT * WHERE { ?s ?p ?o } LIMIT 1")


def test_the_namespace_fallback_cuts_the_network_too(canary):
    """Where the seccomp filter cannot be installed (an architecture hkit has no table for), the
    child moves into a network namespace of its own; a connection from there fails."""
    port, hits = canary
    code = (
        "import platform, socket\n"
        "platform.machine = lambda: 'unknown'\n"
        "from hkit.store.offline import _cut_network\n"
        "why = _cut_network()\n"
        "if why is not None:\n"
        "    print('unavailable', why)\n"
        "else:\n"
        "    try:\n"
        f"        socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
        "        print('connected')\n"
        "    except OSError as exc:\n"
        "        print('refused', exc.errno)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.startswith(("refused", "unavailable")), done.stderr
    if done.stdout.startswith("unavailable") and os.environ.get("HKIT_REQUIRE_EXTERNAL"):
        pytest.fail(f"network namespaces are unavailable: {done.stdout}")
    time.sleep(0.2)
    assert hits == []


def test_the_engine_itself_refuses_what_reaches_out(canary, monkeypatch):
    """Whoever built the text, the engines check it last: SERVICE (glued to a number too) is
    refused before anything runs, in a child or in process."""
    from hkit import QueryError

    port, hits = canary
    glued = f"SELECT * WHERE {{ ?s ?p 1SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
    for in_process in ("", "1"):
        monkeypatch.setenv("HKIT_IN_PROCESS", in_process)
        engine = EmbeddedEngine(pyoxigraph.Store())
        for text in (_service(port), glued):
            with pytest.raises(QueryError, match="SERVICE"):
                engine.run(text, 10)
            with pytest.raises(QueryError, match="SERVICE"):
                engine.stream(text, 10)
    assert hits == []
