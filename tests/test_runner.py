"""The bounded child-process runner itself (hkit.store.runner, .channel, .child): the channel's
framing and its errors by type, a child's deadline, memory limit and network cut, the verdict on
a child that dies, two jobs through one long-lived worker, a spawned interpreter whose whole
process group ends with it, and the thread that stands in where nothing can be forked."""

from __future__ import annotations

import inspect
import os
import signal
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from hkit.cli.boundary import Stopped, handle_stop_signals, restore_signals
from hkit.core import errors
from hkit.core.errors import HkitError, InputError, QueryFailed, QueryTimeout, ReasonerError
from hkit.quality.shacl import in_two_processes
from hkit.store.channel import Channel, ChannelClosed, ChannelTimeout, RemoteBug
from hkit.store.runner import Child, InThread, Spawned, Wording, Worker, run_offline, start

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")

TESTS = Path(__file__).resolve().parent

#: Every error class of hkit's, each of which must cross a channel as itself.
HKIT_ERRORS = [
    cls
    for _, cls in inspect.getmembers(errors, inspect.isclass)
    if issubclass(cls, HkitError) and cls.__module__ == errors.__name__
]


def gone(pid: int) -> bool:
    """Whether ``pid`` has ended and been reaped (no process, not even a zombie)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def ended(pid: int) -> bool:
    """Whether ``pid`` has ended, reaped or not (a zombie left to init has ended too)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (FileNotFoundError, ProcessLookupError):
        return True


def fetch(url: str) -> int:
    """The status of a GET of ``url``, straight to the host (never through a proxy)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as answer:
        return answer.status


class Said(Wording):
    """A wording that says each ending in words a test can tell apart."""

    def translate(self, exc: BaseException) -> BaseException:
        return exc

    def timeout(self, seconds: float) -> BaseException:
        return ReasonerError(f"late after {seconds:g}")

    def out_of_memory(self, megabytes: int) -> BaseException:
        return ReasonerError(f"memory {megabytes}")

    def crashed(self, signal_name: str, said: str) -> BaseException:
        return ReasonerError(f"crashed {signal_name} {said}".strip())

    def no_answer(self, said: str) -> BaseException:
        return ReasonerError(f"silent {said}".strip())

    def bug(self, text: str) -> BaseException:
        return ReasonerError(f"bug {text}")


# -- the channel ------------------------------------------------------------------------------


def test_messages_of_any_size_cross_whole_and_in_order():
    read_end, write_end = os.pipe()
    receiving, sending = Channel(read_end), Channel(None, write_end)
    big = b"x" * (3 * 1024 * 1024)  # many times a pipe's buffer: written while it is read
    messages = [("small", 1, None, True), ("big", big), ("nested", {"a": [1.5, ("b",)]})]
    writer = threading.Thread(target=lambda: [sending.send(m) for m in messages])
    writer.start()
    try:
        assert [receiving.receive(time.monotonic() + 60) for _ in messages] == messages
    finally:
        writer.join()
        sending.close()
    with pytest.raises(ChannelClosed):
        receiving.receive(time.monotonic() + 60)
    receiving.close()


@pytest.mark.parametrize("error", HKIT_ERRORS, ids=lambda cls: cls.__name__)
def test_hkit_s_errors_cross_by_their_type(error):
    read_end, write_end = os.pipe()
    receiving, sending = Channel(read_end), Channel(None, write_end)
    sending.send_error(error("what went wrong", hint="what to do"))
    with pytest.raises(HkitError) as raised:
        receiving.receive(time.monotonic() + 10)
    assert type(raised.value) is error
    assert (raised.value.message, raised.value.hint) == ("what went wrong", "what to do")
    receiving.close()
    sending.close()


def test_anything_else_crosses_as_a_bug_and_a_late_message_as_a_timeout():
    read_end, write_end = os.pipe()
    receiving, sending = Channel(read_end), Channel(None, write_end)
    sending.send_error(KeyError("k"))
    with pytest.raises(RemoteBug, match="KeyError: 'k'"):
        receiving.receive(time.monotonic() + 10)
    started = time.monotonic()
    with pytest.raises(ChannelTimeout):
        receiving.receive(time.monotonic() + 0.2)
    assert time.monotonic() - started < 5
    receiving.close()
    sending.close()


# -- a forked child, one job ------------------------------------------------------------------


def test_a_child_sends_its_messages_then_ends():
    def work(send):
        send(("first", os.getpid()))
        send(("second", b"\0bytes"))

    with Child(work, 60) as child:
        kind, pid = child.receive()
        assert kind == "first" and pid == child.pid != os.getpid()
        assert child.receive() == ("second", b"\0bytes")
        with pytest.raises(QueryFailed, match="stopped without an answer"):
            child.receive()  # it ended when its work did
    assert gone(pid)


def test_the_deadline_ends_the_child():
    with (
        pytest.raises(QueryTimeout, match=r"did not finish within 0\.3 seconds"),
        Child(lambda send: time.sleep(120), 0.3) as child,
    ):
        pid = child.pid
        started = time.monotonic()
        child.receive()
    assert time.monotonic() - started < 30
    assert gone(pid)


def _allocate(send):
    hoard = []
    while True:
        hoard.append(bytearray(20 * 1024 * 1024))


def test_the_memory_limit_ends_the_child_with_its_own_message():
    with (
        pytest.raises(QueryFailed, match="needed more than the 100 MB") as raised,
        Child(_allocate, 120, memory=100 * 1024 * 1024) as child,
    ):
        child.receive()
    assert "HKIT_QUERY_MEMORY_MB" in raised.value.hint


def test_without_a_limit_the_child_may_use_more():
    def work(send):
        send(("held", len(bytearray(150 * 1024 * 1024))))

    with Child(work, 120, memory=None) as child:
        assert child.receive() == ("held", 150 * 1024 * 1024)
    with (
        pytest.raises(QueryFailed, match="needed more than the 100 MB"),
        Child(work, 120, memory=100 * 1024 * 1024) as child,
    ):
        child.receive()


def test_an_offline_child_reaches_no_host(canary):
    def work(send):
        send(("status", fetch(f"{canary.base}/runner")))

    before = len(canary.hits)
    with (
        pytest.raises(QueryFailed, match="Permission denied"),
        Child(work, 60, offline=True) as child,
    ):
        child.receive()
    assert canary.hits[before:] == []
    with Child(work, 60) as child:  # the control: the same work, not cut off, reaches it
        assert child.receive() == ("status", 200)
    assert canary.hits[before:] == ["GET /runner"]


def _input_error(send):
    raise InputError("bad input")


def _segfault(send):
    import ctypes

    ctypes.string_at(0)


@pytest.mark.parametrize(
    ("work", "memory", "said"),
    [
        (_segfault, None, "crashed SIGSEGV"),
        (lambda send: os.kill(os.getpid(), signal.SIGKILL), None, "crashed SIGKILL"),
        (lambda send: os.kill(os.getpid(), signal.SIGKILL), 10**9, "memory 953"),
        (lambda send: os._exit(0), None, "silent"),
        (lambda send: os._exit(0), 10**9, "silent"),
        (lambda send: time.sleep(60), None, "late after 0.3"),
        (lambda send: {}["k"], None, "bug KeyError: 'k'"),
        (_input_error, None, "bad input"),
    ],
    ids=[
        "crash",
        "killed, no limit",
        "killed at a limit",
        "no answer",
        "no answer, with a limit",
        "timeout",
        "bug",
        "hkit's error",
    ],
)
def test_each_way_a_child_ends_is_worded_for_its_work(work, memory, said):
    """A signal is the memory limit's only where the child had a limit; the wording says each
    ending for its work."""
    timeout = 0.3 if said.startswith("late") else 120
    with (
        pytest.raises(HkitError) as raised,
        Child(work, timeout, memory=memory, wording=Said()) as child,
    ):
        child.receive()
    assert raised.value.message == said


def test_a_child_is_killed_and_reaped_when_left_early():
    with Child(lambda send: (send(("ready",)), time.sleep(120)), 60) as child:
        assert child.receive() == ("ready",)
        pid = child.pid
    assert gone(pid)
    with pytest.raises(QueryFailed, match="already read to its end"):
        child.receive()


def _forks_then_signalled(monkeypatch, number: int) -> list[int]:
    """os.fork as the runner calls it, with ``number`` sent to this process just after each
    fork (in the parent): the moment a signal is hardest to handle. The pids forked."""
    import hkit.store.runner as runner

    forked: list[int] = []
    real = os.fork

    class Os:
        def __getattr__(self, name):
            return getattr(os, name)

        def fork(self):
            pid = real()
            if pid:
                forked.append(pid)
                signal.raise_signal(number)
            return pid

    monkeypatch.setattr(runner, "os", Os())
    return forked


def _sleeps(send=None, *_):
    time.sleep(120)


@pytest.mark.parametrize(
    ("number", "stopped"),
    [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, Stopped)],
    ids=["SIGINT", "SIGTERM"],
)
@pytest.mark.parametrize("kind", ["child", "worker"])
def test_a_signal_just_after_the_fork_kills_and_reaps_the_child(monkeypatch, kind, number, stopped):
    # Python's Ctrl-C and hkit's SIGTERM, whatever the test runner set
    previous = {
        signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler),
        signal.SIGTERM: signal.signal(signal.SIGTERM, signal.SIG_DFL),
    }
    replaced = handle_stop_signals()
    try:
        forked = _forks_then_signalled(monkeypatch, number)
        with pytest.raises(stopped):
            if kind == "child":
                with Child(_sleeps, 60):
                    pytest.fail("the signal was not raised before the with block")
            else:
                with Worker(_sleeps):
                    pytest.fail("the signal was not raised before the with block")
        # the handlers are the ones before the start
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        restore_signals(replaced)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    assert len(forked) == 1 and gone(forked[0])


def test_a_start_that_fails_after_the_fork_kills_and_reaps_the_child(monkeypatch):
    import hkit.store.runner as runner

    forked: list[int] = []
    real = os.fork

    def fork():
        pid = real()
        if pid:
            forked.append(pid)
        return pid

    def broken(*_):
        raise OSError("no channel")

    monkeypatch.setattr(os, "fork", fork)
    monkeypatch.setattr(runner, "Channel", broken)
    with pytest.raises(OSError, match="no channel"):
        Child(_sleeps, 60)
    assert len(forked) == 1 and gone(forked[0])


def test_a_child_nobody_holds_is_killed_and_reaped():
    child = Child(_sleeps, 60)
    pid = child.pid
    del child  # never entered, never closed
    assert gone(pid)


def test_a_forked_copy_of_a_child_never_kills_it():
    """A worker forked later holds a copy of its sibling's handle: dropping that copy in the
    worker must leave the sibling running."""
    sibling = Child(_sleeps, 60)
    with Child(lambda send: (sibling.__del__(), send(("dropped",))), 60) as other:
        assert other.receive() == ("dropped",)
    assert not ended(sibling.pid)
    sibling.close()


def _open_fds() -> set[int]:
    return {int(name) for name in os.listdir("/proc/self/fd")}


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
@pytest.mark.parametrize("kind", ["child", "worker"])
def test_a_fork_that_fails_leaves_no_pipe_open(monkeypatch, kind):
    import errno

    import hkit.store.runner as runner

    class Os:
        def __getattr__(self, name):
            return getattr(os, name)

        def fork(self):
            raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    before = _open_fds()
    monkeypatch.setattr(runner, "os", Os())
    with pytest.raises(OSError, match="temporarily"):
        Child(_sleeps, 60) if kind == "child" else Worker(_sleeps)
    assert _open_fds() == before


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_a_spawn_that_fails_leaves_no_pipe_open(monkeypatch):
    import errno
    import subprocess

    def refused(*args, **kwargs):
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    before = _open_fds()
    monkeypatch.setattr(subprocess, "Popen", refused)
    with pytest.raises(OSError, match="temporarily"):
        Spawned("hkit.quality.reason", [], 60)
    assert _open_fds() == before


def test_held_signals_are_all_put_back_before_a_noted_one_is_handled():
    """A Ctrl-C noted while a child starts is handled (KeyboardInterrupt) only once every
    handler is back, and the next start holds them again."""
    from hkit.store.child import StopsHeld

    previous = {
        signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler),
        signal.SIGTERM: signal.signal(signal.SIGTERM, signal.SIG_DFL),
    }
    replaced = handle_stop_signals()
    expected = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        with pytest.raises(KeyboardInterrupt), StopsHeld():
            signal.raise_signal(signal.SIGINT)
            assert signal.getsignal(signal.SIGINT) is not expected[signal.SIGINT]
        assert {n: signal.getsignal(n) for n in expected} == expected
        with pytest.raises(Stopped), StopsHeld():
            signal.raise_signal(signal.SIGTERM)
        assert {n: signal.getsignal(n) for n in expected} == expected
    finally:
        restore_signals(replaced)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def test_a_stop_while_the_signals_are_being_held_puts_back_those_held(monkeypatch):
    from hkit.store import child

    def stop(number, frame):
        raise Stopped(number)

    previous = {
        signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler),
        signal.SIGTERM: signal.signal(signal.SIGTERM, stop),
    }
    real = signal.signal
    calls, ran = [], []

    def interrupted(number, handler):
        calls.append(number)
        if len(calls) == 2:  # a stop between holding the first signal and the second
            raise KeyboardInterrupt
        return real(number, handler)

    try:
        monkeypatch.setattr(signal, "signal", interrupted)
        with pytest.raises(KeyboardInterrupt), child.StopsHeld():
            ran.append(True)
        monkeypatch.setattr(signal, "signal", real)
        assert not ran  # raised while holding, before the block
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        assert signal.getsignal(signal.SIGTERM) is stop
        assert child._held == {}
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def test_run_offline_hands_back_any_value_and_hkit_s_errors():
    assert run_offline(lambda: {frozenset({1, 2}): Path("/x")}, "a test") == {
        frozenset({1, 2}): Path("/x")
    }

    def fails():
        raise InputError("no such file", hint="look again")

    with pytest.raises(InputError, match="no such file"):
        run_offline(fails, "a test")


# -- a long-lived worker: many jobs over one channel ------------------------------------------


def _serve(job, send):
    kind = job[0]
    if kind == "double":
        send(("answer", job[1] * 2, os.getpid()))
    elif kind == "rows":
        for n in range(job[1]):
            send(("row", n))
    elif kind == "fail":
        raise InputError(f"job {job[1]} failed", hint="send another")
    elif kind == "sleep":
        time.sleep(job[1])
    elif kind == "reach":
        fetch(job[1])


def _answers(worker: Worker) -> list[tuple]:
    """One job's messages, up to its ("done",)."""
    received = []
    while (message := worker.receive()) != ("done",):
        received.append(message)
    return received


def test_two_jobs_run_in_one_long_lived_worker_over_one_channel():
    with Worker(_serve) as worker:
        worker.submit(("double", 21), timeout=60)
        ((kind, value, first_pid),) = _answers(worker)
        worker.submit(("rows", 3), timeout=60)
        assert _answers(worker) == [("row", 0), ("row", 1), ("row", 2)]
        worker.submit(("double", 5), timeout=60)
        ((_, second_value, second_pid),) = _answers(worker)
        assert (kind, value, second_value) == ("answer", 42, 10)
        assert first_pid == second_pid == worker.pid != os.getpid()
    assert gone(first_pid)


def test_a_job_s_error_leaves_the_worker_in_service():
    with Worker(_serve) as worker:
        worker.submit(("fail", 1), timeout=60)
        with pytest.raises(InputError, match="job 1 failed"):
            worker.receive()
        worker.submit(("double", 2), timeout=60)
        assert _answers(worker)[0][:2] == ("answer", 4)


def test_a_job_past_its_deadline_ends_the_worker():
    with Worker(_serve) as worker:
        worker.submit(("double", 1), timeout=60)
        _answers(worker)
        worker.submit(("sleep", 120), timeout=0.3)  # each job its own deadline
        with pytest.raises(QueryTimeout, match=r"within 0\.3 seconds"):
            worker.receive()
        pid = worker.pid
    assert gone(pid)
    with pytest.raises(QueryFailed, match="already read to its end"):
        worker.submit(("double", 1), timeout=60)


def test_a_worker_is_bounded_and_cut_off_for_every_job(canary):
    before = len(canary.hits)
    with Worker(_serve, offline=True, memory=100 * 1024 * 1024) as worker:
        for _ in range(2):
            worker.submit(("reach", f"{canary.base}/worker"), timeout=60)
            with pytest.raises(QueryFailed, match="Permission denied"):
                worker.receive()
        worker.submit(("double", 3), timeout=60)
        assert _answers(worker)[0][:2] == ("answer", 6)
    assert canary.hits[before:] == []
    with Worker(lambda job, send: _allocate(send), memory=100 * 1024 * 1024) as worker:
        worker.submit(("allocate",), timeout=120)
        with pytest.raises(QueryFailed, match="needed more than the 100 MB"):
            worker.receive()


# -- a spawned interpreter --------------------------------------------------------------------


def spawn(what: str, timeout: float = 120, **kwargs: object) -> Spawned:
    return Spawned("spawned_child", [what], timeout, env={"PYTHONPATH": str(TESTS)}, **kwargs)


def test_a_spawned_child_answers_in_a_session_of_its_own():
    with spawn("answer") as child:
        kind, pid, group, payload = child.receive()
    assert (kind, pid, group, payload) == ("answer", child.process.pid, pid, {"x": [1, 2]})
    assert pid != os.getpid() and group != os.getpgid(0)


def test_a_spawned_child_s_errors_cross_by_type():
    with pytest.raises(InputError, match="the input is wrong") as raised, spawn("hkit-error") as c:
        c.receive()
    assert raised.value.hint == "give another"
    with (
        pytest.raises(ReasonerError, match="bug KeyError: 'nothing here'"),
        spawn("bug", wording=Said()) as child,
    ):
        child.receive()


def test_a_spawned_child_that_dies_is_told_with_its_last_words(tmp_path):
    with (
        pytest.raises(ReasonerError) as raised,
        spawn("dies", wording=Said(), stderr=str(tmp_path / "stderr")) as child,
    ):
        child.receive()
    assert raised.value.message == "silent the last words"


@pytest.mark.slow  # waits out a 2 s deadline; CI runs it
def test_a_spawned_child_s_whole_group_ends_at_its_deadline():
    """What the child started (the reasoner's Java; here a sleep) ends with it."""
    with (
        pytest.raises(ReasonerError, match="late after 2"),
        spawn("grandchild", 2, wording=Said()) as child,
    ):
        _, sleeper = child.receive()
        child.receive()
    deadline = time.monotonic() + 10
    while not ended(sleeper) and time.monotonic() < deadline:  # reaped by init, not by hkit
        time.sleep(0.05)
    assert ended(sleeper)


# -- a thread, where nothing is forked ---------------------------------------------------------


def test_a_thread_stands_in_with_the_same_interface(monkeypatch):
    monkeypatch.setenv("HKIT_IN_PROCESS", "1")
    with start(lambda send: [send(("n", n)) for n in range(10)], 60) as thread:
        assert isinstance(thread, InThread)
        assert [thread.receive() for _ in range(10)] == [("n", n) for n in range(10)]
    with (
        pytest.raises(QueryTimeout, match=r"within 0\.2 seconds"),
        start(lambda send: time.sleep(5), 0.2) as thread,
    ):
        thread.receive()

    def syntax(send):
        raise SyntaxError("bad token")

    with (
        pytest.raises(QueryFailed, match="not valid SPARQL: bad token"),
        start(syntax, 60) as thread,
    ):
        thread.receive()


def test_a_closed_thread_s_work_stops_at_its_next_message():
    sent = []

    def work(send):
        for n in range(1000):
            send(("n", n))
            sent.append(n)

    with InThread(work, 60) as thread:
        assert thread.receive() == ("n", 0)
    time.sleep(0.5)
    assert len(sent) < 10  # the queue holds a few; the rest were never made


# -- the two processes of a validation --------------------------------------------------------


@pytest.mark.slow  # pyshacl in two processes; CI runs it
def test_the_second_validation_process_shares_the_work_and_sends_hkit_s_errors():
    parent = os.getpid()

    def slow_here() -> None:  # so that the copy surely takes some numbers
        time.sleep(0.02 if os.getpid() == parent else 0.001)

    def work(number):
        slow_here()
        return number, os.getpid()

    done = in_two_processes(60, work)
    assert [number for number, _ in done] == list(range(60))
    assert {pid for _, pid in done} - {parent}  # the copy took some

    def fails_in_the_copy(number):
        slow_here()
        if os.getpid() != parent:
            raise ReasonerError("the copy says no")
        return number

    with pytest.raises(ReasonerError, match="the copy says no"):
        in_two_processes(60, fails_in_the_copy)

    def bug_in_the_copy(number):
        slow_here()
        if os.getpid() != parent:
            raise KeyError("k")
        return number

    with pytest.raises(RuntimeError, match="in the second process: KeyError: 'k'"):
        in_two_processes(60, bug_in_the_copy)
