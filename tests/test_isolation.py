"""Embedded queries run in a child process: a timeout, a memory limit and a crash of the engine
end the child, never the caller, and leave nothing running."""

from __future__ import annotations

import os
import threading

import pytest
from click.testing import CliRunner
from helpers import ROOT

import hkit
from hkit import HkitError, QueryFailed, QueryTimeout
from hkit.cli.group import main
from hkit.store.engines import EmbeddedEngine
from hkit.store.runner import Child

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="queries run in a thread here")

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
GREEDY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"


@pytest.fixture(autouse=True)
def children(monkeypatch) -> list[int]:
    """The query children each test starts."""
    started: list[int] = []
    original = Child.__init__

    def record(self: Child, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)
        started.append(self.pid)

    monkeypatch.setattr(Child, "__init__", record)
    return started


def all_gone(pids: list[int]) -> bool:
    """Every child has ended and been reaped (none is left running or a zombie)."""
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        return False
    return bool(pids)


def test_a_timed_out_query_leaves_no_thread_and_no_process(children):
    kg = hkit.open(root=ROOT, timeout=1)
    threads = threading.active_count()
    with pytest.raises(QueryTimeout, match="did not finish within 1 seconds"):
        kg.sparql(SLOW)
    assert threading.active_count() == threads
    assert all_gone(children)


@pytest.mark.slow  # the limit itself: test_each_way_a_child_ends_gives_its_own_message
def test_a_runaway_query_stops_at_the_memory_limit(monkeypatch, children):
    monkeypatch.setenv("HKIT_QUERY_MEMORY_MB", "200")
    result = CliRunner().invoke(main, ["--root", str(ROOT), "--timeout", "60", "sparql", GREEDY])
    assert result.exit_code == 2
    assert "needed more than the 200 MB of memory a query may use" in result.output
    assert all_gone(children)


def test_a_crash_of_the_engine_ends_only_the_child(kg=None):
    engine = hkit.open(root=ROOT).embedded
    nested = "SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000  # crashes pyoxigraph
    with pytest.raises(QueryFailed, match="crashed"):
        engine.run(nested, timeout=60)
    assert engine.run("ASK { ?s ?p ?o }", timeout=60).boolean is True


def test_streamed_rows_come_from_the_child_and_stop_at_the_deadline(children):
    engine: EmbeddedEngine = hkit.open(root=ROOT).embedded
    variables, rows = engine.stream("SELECT ?s WHERE { ?s a ?c } ORDER BY ?s", 60, batch=7)
    assert variables == ["s"] and len(list(rows)) > 100
    variables, rows = engine.stream("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", 1)
    with pytest.raises(QueryTimeout):
        for _ in rows:
            pass
    assert all_gone(children)


def test_a_bad_memory_setting_is_an_error(monkeypatch):
    monkeypatch.setenv("HKIT_QUERY_MEMORY_MB", "lots")
    with pytest.raises(HkitError, match="HKIT_QUERY_MEMORY_MB is 'lots'"):
        hkit.open(root=ROOT).sparql("ASK { ?s ?p ?o }")


def test_in_process_mode_still_answers(monkeypatch):
    monkeypatch.setenv("HKIT_IN_PROCESS", "1")
    assert hkit.open(root=ROOT).sparql("ASK { ?s ?p ?o }").boolean is True


# -- each way a child can end, each told apart from the exit status alone -----------------------


def _allocate(send):
    hoard = []
    while True:
        hoard.append(bytearray(50 * 1024 * 1024))


def _raise_memory_error(send):
    raise MemoryError


def _memory_error_while_reporting(send):
    class Awkward(Exception):
        def __str__(self):
            raise MemoryError

    raise Awkward


def _killed(send):
    import signal

    os.kill(os.getpid(), signal.SIGKILL)


def _crash(send):
    import ctypes

    ctypes.string_at(0)  # a segmentation fault


def _sleep(send):
    import time

    time.sleep(60)


def _engine_error(send):
    raise QueryFailed("the engine said no")


def _no_answer(send):
    os._exit(0)


ENDINGS = {
    "memory limit": (_allocate, QueryFailed, "needed more than the 200 MB of memory"),
    "MemoryError": (_raise_memory_error, QueryFailed, "needed more than the 200 MB of memory"),
    "MemoryError while reporting": (
        _memory_error_while_reporting,
        QueryFailed,
        "needed more than the 200 MB of memory",
    ),
    "killed": (_killed, QueryFailed, "needed more than the 200 MB of memory"),
    "crash": (_crash, QueryFailed, "crashed on this query (SIGSEGV)"),
    "timeout": (_sleep, QueryTimeout, "did not finish within 0.5 seconds"),
    "engine error": (_engine_error, QueryFailed, "the engine said no"),
    "no answer": (_no_answer, QueryFailed, "stopped without an answer"),
}


#: Each ending 20 times in a row in CI; once in the default run.
ATTEMPTS = [0, *(pytest.param(n, marks=pytest.mark.slow) for n in range(1, 20))]


@pytest.mark.parametrize("attempt", ATTEMPTS)
@pytest.mark.parametrize("ending", sorted(ENDINGS))
def test_each_way_a_child_ends_gives_its_own_message(monkeypatch, ending, attempt):
    if not hasattr(os, "fork"):
        pytest.skip("no fork() here")
    monkeypatch.setenv("HKIT_QUERY_MEMORY_MB", "200")
    work, error, message = ENDINGS[ending]
    # only the timeout's child is given a short time: the others end by themselves, however
    # loaded the machine is
    timeout = 0.5 if ending == "timeout" else 120
    with pytest.raises(error) as raised, Child(work, timeout) as child:
        child.receive()
    assert message in raised.value.message


def test_the_deadline_covers_unpacking_the_answer(monkeypatch):
    """The timeout bounds the whole answer: one whose unpacking in this process outlasts it is
    a timeout, not an answer delivered late (the unpacking is made slow here, well past the
    timeout, so the verdict does not depend on the machine's speed)."""
    import time

    from hkit.store import engines

    unpack = engines._unpack

    def slow_unpack(packed):
        time.sleep(1.2)
        return unpack(packed)

    monkeypatch.setattr(engines, "_unpack", slow_unpack)
    monkeypatch.delenv("HKIT_IN_PROCESS", raising=False)
    engine = hkit.open(root=ROOT).embedded
    with pytest.raises(QueryTimeout, match=r"did not finish within 0\.5 seconds"):
        engine.run("SELECT * WHERE { ?s ?p ?o } LIMIT 5", timeout=0.5)
