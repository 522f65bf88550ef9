"""Work run in another process, bounded: a deadline, a memory limit, no network when asked, its
errors brought back as hkit's, and a child that dies told apart (out of memory, a crash, no
answer), each in one line.

Three parts, kept apart so that a pool of long-lived workers uses them as a one-job child does:

* the channel (:mod:`hkit.store.channel`): messages framed over a pipe pair and hkit's errors
  carried by their type, for any number of jobs;
* the child's side (:mod:`hkit.store.child`): its memory limit and the network cut, set before
  any work, its jobs answered over the channel, and an exit status that says why it ended;
* the parent's side, here: how the child starts (forked, or a fresh interpreter), each job's
  deadline, killing and reaping it, and the verdict on how it ended, worded for the work by a
  :class:`Wording` (a query's by default).

The processes:

* :class:`Child`: forked, runs ``work(send)`` once. An embedded query (run or streamed),
  validation with the user's shapes (:func:`run_offline`) and the second process of a
  two-process validation each use one; it shares what the parent loaded (copy-on-write).
* :class:`Worker`: forked, stays, and runs ``serve(job, send)`` for each job sent over its
  channel, ending each with ``("done",)`` or the job's error. A :class:`Child` is the same
  child main given one job that was never sent.
* :class:`Spawned`: a fresh Python interpreter running one of hkit's modules (the reasoner,
  which starts Java) in a session of its own, so that killing it kills what it started.
* :class:`InThread`: the same interface in a thread, where fork() is not available or
  HKIT_IN_PROCESS is set. A thread cannot be killed, bounded in memory or cut off from the
  network: only the deadline holds there, with hkit's checks of every query text.

A pool (a server answering queries from long-lived processes that each hold the store open,
:mod:`hkit.store.pool`) needs no other piece. It forks each :class:`Worker` once the store is
loaded (the worker shares it), ``private`` (it closes the sockets and pipes it inherited), under
the query memory limit (set once, on the worker's whole address space beyond what it held at
the start: it bounds each job together with whatever the jobs before it left behind), and cut
off from the network before its first job (an embedded query never needs it; the seccomp
filter is for life anyway). For each query it takes an idle worker, hands it the job with
:meth:`Worker.submit` and the query's timeout, and reads its messages with
:meth:`Worker.receive` until ``("done",)``. An error the job sent (a bad query, an answer too
large) leaves the worker in service; a timeout, a death (out of memory, a crash) or a job left
half read ends it: the pool closes that worker (:meth:`Worker.close` kills and reaps it) and
forks another in its place.
"""

from __future__ import annotations

import os
import threading
import time

from hkit.core.errors import HkitError, QueryFailed, QueryTimeout, StoreDamaged
from hkit.store.channel import Channel, ChannelClosed, ChannelTimeout, RemoteBug, pickled, unpickle
from hkit.store.child import OUT_OF_MEMORY, StopsHeld, child_main, release_stops

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import EllipsisType
    from typing import Any, Self

    from hkit.core.answers import Result
    from hkit.store.channel import Serve, Work


#: Environment variable: the memory, in megabytes, that one query may use (default: half the
#: machine's memory, at most 8 GB); HKIT_IN_PROCESS=1 runs queries in a thread instead.
ENV_QUERY_MEMORY = "HKIT_QUERY_MEMORY_MB"

#: The work named in the message of a system where the network cannot be cut.
_QUERY_WHAT = "the query's text names SERVICE, and the engine"


def _can_fork() -> bool:
    return hasattr(os, "fork") and not os.environ.get("HKIT_IN_PROCESS")


def query_memory_limit() -> int:
    """The bytes one query may use beyond what the process already holds."""
    given = os.environ.get(ENV_QUERY_MEMORY)
    if given:
        try:
            megabytes = int(given)
        except ValueError:
            megabytes = 0
        if megabytes < 1:
            raise HkitError(
                f"{ENV_QUERY_MEMORY} is '{given[:40]}', not a number of megabytes",
                hint="give a whole number of megabytes, for example 2048",
            )
        return megabytes * 1024 * 1024
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        physical = 8 * 1024**3
    return min(physical // 2, 8 * 1024**3)


# -- how a kind of work's failures are said ------------------------------------------------------


class Wording:
    """How the failures of one kind of work are said, each in one line; this one says a query's
    (the reasoner and the second validation process have their own)."""

    def translate(self, exc: BaseException) -> BaseException:
        """Where the work ran (the child, the thread): its error as one of hkit's when it is one
        a user causes (see :func:`_engine_error`), else as it is, a bug."""
        return _engine_error(exc)

    def timeout(self, seconds: float) -> BaseException:
        """The work outlasted its deadline of ``seconds``."""
        return QueryTimeout(
            f"the query did not finish within {seconds:g} seconds", hint="raise --timeout"
        )

    def out_of_memory(self, megabytes: int) -> BaseException:
        """The child ended at the memory limit of ``megabytes``."""
        return QueryFailed(
            f"the query needed more than the {megabytes:,} MB of memory a query may use",
            hint=f"narrow the query (a LIMIT, fewer joins), or raise {ENV_QUERY_MEMORY}",
        )

    def crashed(self, signal_name: str, said: str) -> BaseException:
        """A signal ended the child (not the memory limit); ``said`` is the last line it wrote
        to its standard error where that was kept, else ''."""
        return QueryFailed(f"the SPARQL engine crashed on this query ({signal_name})")

    def no_answer(self, said: str) -> BaseException:
        """The child exited before its answer was whole."""
        return QueryFailed("the SPARQL engine stopped without an answer")

    def bug(self, text: str) -> BaseException:
        """The work failed with an error that is not one of hkit's: ``text`` is its type and
        message."""
        return QueryFailed(f"the query failed inside the engine: {text}")

    def read_to_end(self) -> BaseException:
        """A message was asked for after the child was closed."""
        return QueryFailed("the query's answer was already read to its end")


#: A query's words, the default.
QUERY = Wording()


#: What RocksDB, under pyoxigraph's store, says when a file of the store is damaged: pyoxigraph
#: raises a plain RuntimeError (or OSError) with RocksDB's text, so the text is the only sign of
#: it, read here alone (the error is raised as StoreDamaged, a type of its own).
DAMAGE_WORDS = ("Corruption", "checksum mismatch", "block checksum")


def _engine_error(exc: BaseException) -> BaseException:
    """An engine's error as one of hkit's, or as it is when it is a bug (shown with --debug)."""
    if isinstance(exc, HkitError):
        return exc
    if isinstance(exc, SyntaxError) or type(exc).__name__ == "ParseException":
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        error: HkitError = QueryFailed(f"the query is not valid SPARQL: {first}")
    elif isinstance(exc, (OSError, RuntimeError)) and any(w in str(exc) for w in DAMAGE_WORDS):
        # worded as before it had a type of its own: an OSError as the engine's failures are,
        # a RuntimeError (what RocksDB's corruption is) as a bug in the engine is (Wording.bug)
        if isinstance(exc, OSError):
            error = StoreDamaged(f"the query failed: {exc}")
        else:
            said = f"{type(exc).__name__}: {exc}"[:500]
            error = StoreDamaged(f"the query failed inside the engine: {said}")
    elif isinstance(exc, (ValueError, OSError, TypeError)):
        error = QueryFailed(f"the query failed: {exc}")
    else:
        return exc
    error.__cause__ = exc
    return error


# -- the processes -------------------------------------------------------------------------------


class _Process:
    """What every child has: its channel, the deadline of its current job, the limit it runs
    under and the verdict on how it ended."""

    pid = 0
    timeout: float | None = None
    deadline: float | None = None
    limit: int | None = None
    wording: Wording = QUERY
    channel: Channel
    #: set when a job outlived its deadline: the child is then done with, though it still runs
    spoiled = False
    #: the process that started the child (a forked worker holds copies of its siblings)
    owner = 0

    def _start(self, start: Callable[[], None], ends: set[int]) -> None:
        """Run ``start``, which starts the child and sets up this side (pid, channel), with
        Ctrl-C, SIGTERM and SIGHUP held until it is done: if it fails, or a signal came
        meanwhile, the child is killed and reaped, and the pipe ends still in ``ends`` (``start``
        takes out each one it closes or hands to the channel) are closed, before the error goes
        on. Without this, a signal between the fork and the ``with`` block left the child
        running on its own, holding the user's terminal (or pipe) open."""
        try:
            with StopsHeld():
                start()
                self.owner = os.getpid()
        except BaseException:
            import contextlib

            self.close()
            for fd in ends:
                with contextlib.suppress(OSError):
                    os.close(fd)
            raise

    def _close_channel(self) -> None:
        if hasattr(self, "channel"):  # not yet when the start failed
            self.channel.close()

    def __del__(self, getpid: Callable[[], int] = os.getpid) -> None:
        # the last safety net: a child nobody holds any longer (a signal between the
        # constructor and its ``with``) is killed, by the process that started it only; at the
        # interpreter's exit what close() needs may be gone already
        if self.pid and self.owner == getpid():
            try:  # noqa: SIM105  # contextlib may be gone at the interpreter's exit
                self.close()
            except Exception:  # nothing to tell, and no one to tell it to
                pass

    def _started(self, timeout: float | None) -> None:
        self.timeout = timeout
        self.deadline = None if timeout is None else time.monotonic() + timeout

    def receive(self) -> tuple:
        """The child's next message, by the deadline. An error it sent is raised here as hkit's
        (a bug as the wording says); so are a deadline passed and a child that ended first."""
        if not self.pid:
            raise self.wording.read_to_end()
        try:
            return self.channel.receive(self.deadline)
        except ChannelTimeout:
            self.spoiled = True
            raise self.wording.timeout(self.timeout or 0.0) from None
        except ChannelClosed:
            raise self._died() from None
        except RemoteBug as bug:
            raise self.wording.bug(bug.text) from None

    def _died(self) -> BaseException:
        """The verdict on a child that closed its channel (it ended): reaped here."""
        import signal

        number, code = self._reap()
        # Decided from the exit status alone, which cannot race: the engine aborts (SIGABRT) when
        # an allocation fails, the kernel kills (SIGKILL) at the limit, and Python's MemoryError
        # ends the child with 134 wherever it is raised (see child_main). Without a limit of
        # hkit's, a signal is told as what it is.
        if self.limit is not None and (
            number in (signal.SIGABRT, signal.SIGKILL) or code == OUT_OF_MEMORY
        ):
            return self.wording.out_of_memory(self.limit // (1024 * 1024))
        if number is not None:
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = f"signal {number}"
            return self.wording.crashed(name, self._said())
        return self.wording.no_answer(self._said())

    def _reap(self) -> tuple[int | None, int | None]:
        """Wait for the ended child: the signal that ended it, or its exit status."""
        raise NotImplementedError

    def _said(self) -> str:
        return ""

    def close(self) -> None:
        """Kill the child if it still runs, reap it and close the channel."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Forked(_Process):
    """A forked child: killed alone (what it starts, it stops itself), reaped by its pid."""

    def _fork(
        self, child_side: Callable[[], None], parent_side: Callable[[], None], ends: set[int]
    ) -> None:
        """Fork: the child runs ``child_side`` and exits; this side runs ``parent_side``, which
        takes the pipe ends out of ``ends`` as it closes them or hands them to the channel (see
        :meth:`_Process._start`)."""

        def start() -> None:
            pid = os.fork()
            if pid == 0:  # the child, which never returns into the parent's code
                try:
                    release_stops()
                    child_side()
                finally:
                    os._exit(1)
            self.pid = pid
            parent_side()

        self._start(start, ends)

    def _reap(self) -> tuple[int | None, int | None]:
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        if os.WIFSIGNALED(status):
            return os.WTERMSIG(status), None
        return None, os.WEXITSTATUS(status) if os.WIFEXITED(status) else None

    def close(self) -> None:
        """Kill the child if it still runs, reap it and close the channel."""
        import contextlib
        import signal

        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = 0
        self._close_channel()


class Child(_Forked):
    """A forked child that runs ``work(send)`` once; :meth:`receive` gives what it sent, one
    message at a time, bounded by ``timeout`` seconds from the fork. Errors in the child come
    back as hkit's; a child that dies (out of memory, a crash) or outlasts the deadline is
    reported in one line (see :class:`Wording`). Leaving the ``with`` block, or :meth:`close`,
    kills the child if it still runs.

    ``memory`` is the bytes it may use beyond what it holds when forked (``...``, the default:
    :func:`query_memory_limit`; None: no limit of its own); ``offline`` cuts it off from the
    network before the work starts (``what`` names the work where the system cannot cut it);
    ``keep_stderr`` leaves its standard error open, else the engine's own abort messages are
    dropped (the parent says what happened)."""

    def __init__(
        self,
        work: Work,
        timeout: float | None = None,
        *,
        memory: int | EllipsisType | None = ...,
        offline: bool = False,
        keep_stderr: bool = False,
        what: str = _QUERY_WHAT,
        wording: Wording = QUERY,
    ) -> None:
        self.wording = wording
        self.limit = query_memory_limit() if memory is ... else memory
        self._started(timeout)
        read_end, write_end = os.pipe()

        def child_side() -> None:
            os.close(read_end)
            child_main(
                lambda job, send: work(send),
                Channel(None, write_end),
                [()],  # one job, never sent
                self.limit,
                offline=offline,
                keep_stderr=keep_stderr,
                what=what,
                translate=wording.translate,
            )

        ends = {read_end, write_end}

        def parent_side() -> None:
            os.close(write_end)
            ends.discard(write_end)
            self.channel = Channel(read_end)
            ends.discard(read_end)

        self._fork(child_side, parent_side, ends)


class Worker(_Forked):
    """A long-lived forked child that runs ``serve(job, send)`` for each job :meth:`submit`
    hands it over one channel, under one memory limit and (with ``offline``) cut off from the
    network from the start; each job's messages end with ``("done",)``, or with the job's
    error, raised by :meth:`receive`. The parameters are :class:`Child`'s; with ``private``, the
    worker closes the sockets and pipes it inherited beside its channel (see
    :func:`_close_inherited`). A job's timeout, or the worker's death, is raised as the wording
    says; the worker is then done with (close it). See the module's description for a pool of
    workers (:mod:`hkit.store.pool`)."""

    def __init__(
        self,
        serve: Serve,
        *,
        memory: int | EllipsisType | None = ...,
        offline: bool = False,
        keep_stderr: bool = False,
        what: str = _QUERY_WHAT,
        wording: Wording = QUERY,
        private: bool = False,
    ) -> None:
        self.wording = wording
        self.limit = query_memory_limit() if memory is ... else memory
        jobs_read, jobs_write = os.pipe()
        answers_read, answers_write = os.pipe()

        def child_side() -> None:
            os.close(jobs_write)
            os.close(answers_read)
            if private:
                _close_inherited({jobs_read, answers_write})
            # what it inherited lives as long as it does: the collector's full passes skip it
            # (and leave its pages shared with the parent)
            import gc

            gc.freeze()
            channel = Channel(jobs_read, answers_write)
            child_main(
                serve,
                channel,
                channel.jobs(),
                self.limit,
                offline=offline,
                keep_stderr=keep_stderr,
                what=what,
                translate=wording.translate,
                say_done=True,
            )

        ends = {jobs_read, jobs_write, answers_read, answers_write}

        def parent_side() -> None:
            for fd in (jobs_read, answers_write):
                os.close(fd)
                ends.discard(fd)
            self.channel = Channel(answers_read, jobs_write)
            ends.clear()

        self._fork(child_side, parent_side, ends)

    def submit(self, job: tuple, timeout: float | None = None) -> None:
        """Hand the worker its next job (a message), to be answered within ``timeout`` seconds
        from now; read the answer with :meth:`receive` until ``("done",)``."""
        if not self.pid:
            raise self.wording.read_to_end()
        self._started(timeout)
        try:
            self.channel.send(job)
        except BrokenPipeError:  # it ended between two jobs
            raise self._died() from None


def _close_inherited(keep: set[int]) -> None:
    """In a freshly forked worker: close every socket and pipe but ``keep`` (its channel) and
    the standard streams. A worker forked while a server runs inherits the listening socket, the
    clients' connections and the other workers' channels: a connection the server closes would
    stay open (no end of it reaches the client) while a worker held it. Files (an on-disk
    store's) are kept: the store reads them."""
    import stat

    for folder in ("/proc/self/fd", "/dev/fd"):
        try:
            fds = [int(name) for name in os.listdir(folder)]
            break
        except OSError:
            continue
    else:
        return
    for fd in fds:
        if fd <= 2 or fd in keep:
            continue
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode) or stat.S_ISFIFO(os.fstat(fd).st_mode):
                os.close(fd)
        except OSError:
            continue  # the listing's own descriptor, closed since


class Spawned(_Process):
    """A fresh Python interpreter running ``python -m module *args`` (one of hkit's modules,
    whose main calls :func:`hkit.store.child.spawned_main`) in a session of its own;
    :meth:`receive` gives what it sent, bounded by ``timeout`` seconds from the start. Leaving
    the ``with`` block kills its whole process group, it and what it started (the reasoner's
    Java), running or not.

    No memory limit: RLIMIT_AS, a forked child's limit, is inherited through exec by all the
    child starts, and a JVM reserves far more address space than it uses (1 GB for its
    compressed class space alone, then its heap, code cache and thread stacks), so that under
    any useful limit it does not start at all. A JVM bounds its own heap instead, with -Xmx
    (owlready2 passes ``owlready2.JAVA_MEMORY``, 2000 MB unless changed, and a HermiT that
    needs more fails with Java's OutOfMemoryError, reported as the reasoner's failure); the
    deadline bounds the time. A child the kernel kills for want of memory is told as a crash,
    by its signal: no limit of hkit's was passed.

    The channel's end reaches the child as its standard input (see
    :func:`hkit.store.child.spawned_main`); its standard output is discarded, so nothing its
    libraries print can break a message; its standard error is written to ``stderr`` (a path)
    when given, whose last line the wording is given when the child ends without an answer,
    else discarded. Its environment is this one's with ``env`` on top and the folder
    that holds this hkit first on PYTHONPATH, so that the child runs this hkit."""

    def __init__(
        self,
        module: str,
        args: list[str],
        timeout: float | None = None,
        *,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
        stderr: str | None = None,
        wording: Wording = QUERY,
    ) -> None:
        import subprocess
        import sys

        self.wording = wording
        self.stderr = stderr
        self._started(timeout)
        here = os.path.dirname(os.path.realpath(__file__))
        package_parent = os.path.dirname(os.path.dirname(here))
        environment = {**os.environ, **(env or {})}
        environment["PYTHONPATH"] = os.pathsep.join(
            filter(None, [package_parent, environment.get("PYTHONPATH")])
        )
        read_end, write_end = os.pipe()
        ends = {read_end, write_end}

        def start() -> None:
            with open(stderr or os.devnull, "wb") as errors:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", module, *args],
                    cwd=cwd,
                    env=environment,
                    stdin=write_end,  # the channel's end: see spawned_main
                    stdout=subprocess.DEVNULL,
                    stderr=errors,
                    start_new_session=True,
                )
            os.close(write_end)
            ends.discard(write_end)
            self.pid = self.process.pid
            self.channel = Channel(read_end)
            ends.discard(read_end)

        self._start(start, ends)

    def _kill_group(self) -> None:
        import contextlib
        import signal

        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)

    def _reap(self) -> tuple[int | None, int | None]:
        import contextlib

        # the group is killed while the child, ended but not yet reaped, still holds its number
        # (where waitid() is missing, as on macOS, just after it is reaped)
        if hasattr(os, "waitid"):
            with contextlib.suppress(ChildProcessError):
                os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOWAIT)
        self._kill_group()
        code = self.process.wait()
        self.pid = 0
        return (-code, None) if code < 0 else (None, code)

    def _said(self) -> str:
        if not self.stderr:
            return ""
        try:
            with open(self.stderr, "rb") as fh:
                fh.seek(max(0, os.fstat(fh.fileno()).st_size - 65536))
                tail = fh.read().decode("utf-8", "replace")
        except OSError:
            return ""
        lines = tail.strip().splitlines()
        return lines[-1] if lines else ""

    def close(self) -> None:
        """Kill the child's process group, reap the child and close the channel."""
        if self.pid:
            self._kill_group()
            self.process.wait()
            self.pid = 0
        self._close_channel()


class _Abandoned(BaseException):
    """The reader of a thread's messages has gone: the thread's work stops at its next one."""


class InThread:
    """:class:`Child`'s interface where fork() is not available or HKIT_IN_PROCESS is set:
    ``work(send)`` runs in a daemon thread (so that a command line that gives up can exit at
    once), its messages passed through a short queue as they are, bounded by the same deadline,
    its errors translated by the wording. A thread cannot be killed, bounded in memory or cut off
    from the network: after a timeout it is left to run, and once closed its next message stops
    it."""

    def __init__(
        self, work: Work, timeout: float | None = None, *, wording: Wording = QUERY
    ) -> None:
        import queue  # start-up: only where queries run in a thread

        self.wording = wording
        self.timeout = timeout
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.closed = False
        self._queue: queue.Queue = queue.Queue(maxsize=4)
        threading.Thread(target=self._run, args=(work,), daemon=True, name="hkit-query").start()

    def _send(self, message: tuple) -> None:
        import queue

        while not self.closed:
            try:
                self._queue.put(message, timeout=0.1)
                return
            except queue.Full:
                continue
        raise _Abandoned

    def _run(self, work: Work) -> None:
        try:
            work(self._send)
        except _Abandoned:
            return
        except BaseException as exc:  # handed to the reader, without the frames that hold the
            try:  # engine's objects
                self._send(("raised", exc.with_traceback(None)))
            except _Abandoned:
                return

    def receive(self) -> tuple:
        """The work's next message, by the deadline; its error raised as hkit's (see
        :meth:`Wording.translate`)."""
        import queue

        if self.closed:
            raise self.wording.read_to_end()
        remaining = None if self.deadline is None else max(0.0, self.deadline - time.monotonic())
        try:
            message = self._queue.get(timeout=remaining)
        except queue.Empty:
            raise self.wording.timeout(self.timeout or 0.0) from None
        if message[0] == "raised":
            raise self.wording.translate(message[1])
        return message

    def close(self) -> None:
        """Stop reading: the work stops at its next message."""
        self.closed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start(
    work: Work,
    timeout: float | None = None,
    *,
    offline: bool = False,
    what: str = _QUERY_WHAT,
    wording: Wording = QUERY,
) -> Child | InThread:
    """``work(send)`` where it is best bounded: in a forked :class:`Child` under the query
    memory limit where the system can fork, else :class:`InThread` (``offline`` then rests on
    hkit's checks of every query text alone)."""
    if _can_fork():
        return Child(work, timeout, offline=offline, what=what, wording=wording)
    return InThread(work, timeout, wording=wording)


def run_offline(work: Callable[[], Any], what: str, timeout: float | None = None) -> Any:
    """``work()``'s value, computed in a forked child that cannot open a network socket (see
    :func:`hkit.store.offline._cut_network`) under the query memory limit, and handed back
    pickled; its errors are raised here as hkit's. ``what`` names the work in the message of a
    system where the network cannot be cut. Where fork() is not available (or HKIT_IN_PROCESS
    is set) the work runs here, guarded by hkit's checks of every query text alone."""
    if not _can_fork():
        return work()
    with Child(pickled(work), timeout, offline=True, keep_stderr=True, what=what) as child:
        message = child.receive()
    return unpickle(message)


def _bounded(work: Callable[[], Result], timeout: float | None) -> Result:
    """``work()``'s value, bounded by ``timeout`` seconds, in a thread (:class:`InThread`);
    engine errors become one-line errors."""
    with InThread(lambda send: send(("value", work())), timeout) as thread:
        return thread.receive()[1]
