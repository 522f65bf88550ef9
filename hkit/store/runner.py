"""The bounded child process: work run in a forked child under a memory limit and a
timeout, optionally cut off from the network, its answer sent back through a pipe."""

from __future__ import annotations

import threading

from hkit.core import errors
from hkit.core.answers import Result, Term
from hkit.core.errors import HkitError, QueryFailed, QueryTimeout
from hkit.store.offline import _cut_network

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


# -- queries in a child process --------------------------------------------------------------
#
# An embedded query runs in a forked child where the system allows it: a timeout kills it (no
# thread is left running in a library caller), a memory limit stops a runaway query before it
# exhausts the machine, and a crash of the engine (pyoxigraph aborts on some inputs) ends only
# the child. The child shares the loaded store with the parent (copy-on-write) and sends its
# answer back through a pipe with marshal, which needs no import on the query path.

#: Environment variable: the memory, in megabytes, that one query may use (default: half the
#: machine's memory, at most 8 GB); HKIT_IN_PROCESS=1 runs queries in a thread instead.
ENV_QUERY_MEMORY = "HKIT_QUERY_MEMORY_MB"


def _can_fork() -> bool:
    import os

    return hasattr(os, "fork") and not os.environ.get("HKIT_IN_PROCESS")


def query_memory_limit() -> int:
    """The bytes one query may use beyond what the process already holds."""
    import os

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


def _pack_row(row: dict[str, Term]) -> dict[str, tuple]:
    return {var: tuple(term) for var, term in row.items()}


def _pack(result: Result) -> tuple:
    return (
        result.form,
        result.variables,
        [_pack_row(row) for row in result.rows],
        result.boolean,
        [tuple(tuple(t) for t in triple) for triple in result.triples],
    )


def _unpack(packed: tuple) -> Result:
    form, variables, rows, boolean, triples = packed
    return Result(
        form,
        variables=list(variables),
        rows=[{var: Term(*term) for var, term in row.items()} for row in rows],
        boolean=boolean,
        triples=[(Term(*s), Term(*p), Term(*o)) for s, p, o in triples],
    )


class _Child:
    """A forked child that runs ``work(send)``; ``receive()`` gives what it sent, one message at
    a time, bounded by the deadline. Errors in the child come back as hkit's errors; a child that
    dies (out of memory, a crash) or outlasts the deadline is reported in one line. Leaving the
    ``with`` block kills the child if it still runs."""

    def __init__(
        self,
        work: Callable[[Callable[[tuple], None]], None],
        timeout: float | None,
        offline: bool = False,
        keep_stderr: bool = False,
        what: str = "the query's text names SERVICE, and the engine",
    ) -> None:
        import os
        import time

        self.timeout = timeout
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.limit = query_memory_limit()
        self.buffer = b""
        read_end, write_end = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns
            os.close(read_end)
            _child_main(work, write_end, self.limit, offline, keep_stderr, what)
        os.close(write_end)
        self.fd: int | None = read_end

    def __enter__(self) -> _Child:
        return self

    def __exit__(self, *exc: object) -> None:
        import contextlib
        import os
        import signal

        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = 0
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def _read(self, size: int) -> bytes:
        import os
        import select
        import time

        fd = self.fd
        if fd is None:
            raise QueryFailed("the query's answer was already read to its end")
        while len(self.buffer) < size:
            remaining = None if self.deadline is None else self.deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise self._timed_out()
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                raise self._timed_out()
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise self._died()
            self.buffer += chunk
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def receive(self) -> tuple:
        import marshal

        size = int.from_bytes(self._read(8), "big")
        message = marshal.loads(self._read(size))
        if message[0] == "error":
            _, kind, text, hint = message

            error = getattr(errors, kind, HkitError)
            if not (isinstance(error, type) and issubclass(error, HkitError)):
                error = HkitError
            raise error(text, hint=hint)
        if message[0] == "bug":
            raise QueryFailed(f"the query failed inside the engine: {message[1]}")
        return message

    def _timed_out(self) -> QueryTimeout:
        return QueryTimeout(
            f"the query did not finish within {self.timeout:g} seconds", hint="raise --timeout"
        )

    def _died(self) -> QueryFailed:
        import os
        import signal

        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        # Decided from the exit status alone, which cannot race: the engine aborts (SIGABRT) when
        # an allocation fails, the kernel kills (SIGKILL) at the limit, and Python's MemoryError
        # ends the child with 134 wherever it is raised (see _child_main).
        out_of_memory = (
            os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGABRT, signal.SIGKILL)
        ) or (os.WIFEXITED(status) and os.WEXITSTATUS(status) == _OUT_OF_MEMORY)
        if out_of_memory:
            megabytes = self.limit // (1024 * 1024)
            return QueryFailed(
                f"the query needed more than the {megabytes:,} MB of memory a query may use",
                hint=f"narrow the query (a LIMIT, fewer joins), or raise {ENV_QUERY_MEMORY}",
            )
        if os.WIFSIGNALED(status):
            name = signal.Signals(os.WTERMSIG(status)).name
            return QueryFailed(f"the SPARQL engine crashed on this query ({name})")
        return QueryFailed("the SPARQL engine stopped without an answer")


def run_offline(work: Callable[[], Any], what: str, timeout: float | None = None) -> Any:
    """``work()``'s value, computed in a forked child that cannot open a network socket (see
    :func:`_cut_network`) under the query memory limit, and handed back pickled; its errors are
    raised here as hkit's. ``what`` names the work in the message of a system where the network
    cannot be cut. Where fork() is not available (or HKIT_IN_PROCESS is set) the work runs here,
    guarded by hkit's checks of every query text alone."""
    if not _can_fork():
        return work()
    import pickle

    def in_child(send: Callable[[tuple], None]) -> None:
        send(("value", pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)))

    with _Child(in_child, timeout, offline=True, keep_stderr=True, what=what) as child:
        _, data = child.receive()
    return pickle.loads(data)


def _child_main(
    work: Callable[[Callable[[tuple], None]], None],
    fd: int,
    limit: int,
    offline: bool = False,
    keep_stderr: bool = False,
    what: str = "the query's text names SERVICE, and the engine",
) -> None:
    """In the forked child: bound the memory, cut the network when asked, run the work, send
    each message, exit."""
    import marshal
    import os

    code = 0
    try:
        if not keep_stderr:  # the engine's own abort messages; the parent says what happened
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
        import sys

        faulthandler = sys.modules.get("faulthandler")  # a test runner's: it writes elsewhere
        if faulthandler is not None and faulthandler.is_enabled():
            faulthandler.disable()
        import resource

        with open("/proc/self/statm", encoding="ascii") as fh:
            in_use = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (in_use + limit, in_use + limit))
    except (OSError, ValueError, ImportError):
        pass  # no /proc or no limits here: the timeout still bounds the query

    def send(message: tuple) -> None:
        data = marshal.dumps(message)
        data = len(data).to_bytes(8, "big") + data
        while data:
            written = os.write(fd, data)
            data = data[written:]

    try:
        try:
            if offline:
                why = _cut_network()
                if why is not None:
                    raise QueryFailed(
                        f"{what} cannot be cut off from the network on this system ({why})",
                        hint="set HKIT_IN_PROCESS=1 to rely on hkit's checks of the query text "
                        "alone",
                    )
            try:
                work(send)
            except (OSError, RuntimeError) as exc:
                if offline and "os error 13" in str(exc):  # the socket the filter refused
                    raise QueryFailed(
                        "the query tried to reach another host (SERVICE), which hkit does not allow"
                    ) from None
                raise
        except MemoryError:
            os._exit(_OUT_OF_MEMORY)
        except BaseException as exc:
            try:
                _raise_engine_error(exc)
            except HkitError as error:
                send(("error", type(error).__name__, error.message, error.hint))
            except BaseException as other:
                send(("bug", f"{type(other).__name__}: {other}"[:500]))
    except MemoryError:  # while sending, or reporting another error
        code = _OUT_OF_MEMORY
    except BaseException:
        code = 1
    os._exit(code)


#: The exit status of a child that ran out of memory in Python (128 + SIGABRT, as an abort).
_OUT_OF_MEMORY = 134


def _bounded(work: Callable[[], Result], timeout: float | None) -> Result:
    """Run ``work()`` bounded by ``timeout`` seconds. The work runs in a daemon thread, so that a
    command line that gives up can exit at once; engine errors become one-line errors."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["result"] = work()
        except BaseException as exc:  # handed back to the caller's thread, without the frames
            outcome["error"] = exc.with_traceback(None)  # that hold the engine's objects

    thread = threading.Thread(target=target, daemon=True, name="hkit-query")
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise QueryTimeout(
            f"the query did not finish within {timeout:g} seconds", hint="raise --timeout"
        )
    if "error" in outcome:
        _raise_engine_error(outcome["error"])
    return outcome["result"]


def _raise_engine_error(exc: BaseException) -> None:
    """Raise an engine's error as one of hkit's, or as it is when it is a bug."""
    if isinstance(exc, HkitError):
        raise exc
    if isinstance(exc, SyntaxError) or type(exc).__name__ == "ParseException":
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise QueryFailed(f"the query is not valid SPARQL: {first}") from exc
    if isinstance(exc, (ValueError, OSError, TypeError)):
        raise QueryFailed(f"the query failed: {exc}") from exc
    raise exc  # an unexpected error: a bug, shown with --debug
