"""The child's side of hkit's runner: what a child process does from its first step to its exit.
It quiets its standard error unless told to keep it, limits its own address space, cuts itself
off from the network when asked, answers its jobs over the channel
(:func:`hkit.store.channel.answer_jobs`) and exits with a status that tells the parent why it
ended (:data:`OUT_OF_MEMORY` after a MemoryError, wherever it was raised). The parent's side,
the processes and their lifecycle, is :mod:`hkit.store.runner`.

Between the two sides, the stop signals: the parent holds them while it forks a child and sets
up its side (:class:`StopsHeld`), so that Ctrl-C cannot come between the fork and the parent's
knowing the child, and the child puts their handlers back first (:func:`release_stops`)."""

from __future__ import annotations

import contextlib
import os
import threading

from hkit.core.errors import QueryFailed
from hkit.store.channel import Channel, answer_jobs
from hkit.store.offline import _cut_network

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any, NoReturn

    from hkit.store.channel import Send, Serve, Work

#: The exit status of a child that ran out of memory in Python (128 + SIGABRT, as an abort).
OUT_OF_MEMORY = 134

#: The signals that stop hkit (see hkit.cli.boundary), held while a child starts.
_STOPS = ("SIGINT", "SIGTERM", "SIGHUP")
#: While a child starts: the handlers replaced, and the signals that came meanwhile.
_held: dict[int, Any] = {}
_came: list[int] = []


def _note(number: int, frame: object) -> None:
    _came.append(number)


def release_stops() -> None:
    """Put back the handlers :class:`StopsHeld` replaced (in a forked child too, which
    inherited the noting ones), then call each one for the signals noted meanwhile. Each
    handler is put back even when a signal's handler raises between two of them; the first
    such error is raised once all are back."""
    import signal

    held = list(_held.items())
    _held.clear()
    raised: BaseException | None = None
    for number, handler in held:
        while True:  # a stop raised at any step is kept, and the step done again
            try:
                signal.signal(number, handler)
                break
            except Exception:  # the call itself failed: not a stop
                raise
            except BaseException as exc:  # a stop (Ctrl-C): raised below, once all are back
                raised = raised or exc
    if raised is not None:
        _came.clear()
        raise raised
    came = list(_came)  # what _note noted; from here on, the handlers themselves run
    _came.clear()
    for number in came:
        handler = signal.getsignal(number)
        if callable(handler):
            handler(number, None)


class StopsHeld:
    """Hold the stop signals whose handlers are Python's (Ctrl-C's KeyboardInterrupt, hkit's
    SIGTERM and SIGHUP): one that comes inside the block is noted, and its handler called when
    the block ends. Only the main thread receives Python's signals; elsewhere, and inside a
    block already holding them, nothing changes."""

    holding = False

    def __enter__(self) -> None:
        import signal

        if threading.current_thread() is not threading.main_thread() or _held:
            return
        self.holding = True
        try:
            for name in _STOPS:
                number = getattr(signal, name, None)
                if number is None:
                    continue
                handler = signal.getsignal(number)
                if callable(handler):
                    _held[number] = handler  # recorded first: put back whatever comes next
                    signal.signal(number, _note)
        except BaseException:  # a stop before all were held: the ones held are put back
            release_stops()
            raise

    def __exit__(self, *exc: object) -> None:
        if self.holding:
            release_stops()


def child_main(
    serve: Serve,
    channel: Channel,
    jobs: Iterable[tuple],
    limit: int | None,
    *,
    offline: bool,
    keep_stderr: bool,
    what: str,
    translate: Callable[[BaseException], BaseException],
    say_done: bool = False,
) -> NoReturn:
    """In the child: bound its memory (``limit`` bytes beyond what it holds, when given), then
    answer each job over the channel, its errors made hkit's by ``translate``, cut off from the
    network when ``offline`` (``what`` names the work where the system cannot cut it); exit when
    the jobs end."""
    code = 0
    # no /proc or no limits here: the timeout still bounds the work
    with contextlib.suppress(OSError, ValueError, ImportError):
        _settle(limit, keep_stderr)
    cut = not offline

    def guarded(job: tuple, send: Send) -> None:
        nonlocal cut
        if not cut:  # before the first job (and each next one, while it cannot be)
            _go_offline(what)
            cut = True
        try:
            serve(job, send)
        except (OSError, RuntimeError) as exc:
            if offline and "os error 13" in str(exc):  # the socket the filter refused
                raise QueryFailed(
                    "the query tried to reach another host (SERVICE), which hkit does not allow"
                ) from None
            raise

    try:
        answer_jobs(guarded, channel, jobs, translate, say_done)
    except MemoryError:  # in the work, while sending, or while reporting another error
        code = OUT_OF_MEMORY
    except BaseException:
        code = 1
    os._exit(code)


def spawned_main(work: Work, translate: Callable[[BaseException], BaseException]) -> NoReturn:
    """The main of a module that :class:`hkit.store.runner.Spawned` starts: ``work(send)`` run
    once, its messages and its error (made hkit's by ``translate``) sent over the channel the
    parent handed down; then exit.

    The channel's end comes as the child's standard input, the one descriptor that nothing in a
    Python program started with ``-m`` writes to or reads from (unlike its standard output,
    where a library's stray line would break a message), and that no variable or argument has
    to name. It is moved aside at once, and what the child starts gets /dev/null instead."""
    import stat

    if not stat.S_ISFIFO(os.fstat(0).st_mode):
        raise SystemExit("hkit: this module is run by hkit itself")
    fd = os.dup(0)  # not inherited by what the child starts
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    child_main(
        lambda job, send: work(send),
        Channel(None, fd),
        [()],  # one job, never sent
        None,
        offline=False,
        keep_stderr=True,
        what="",
        translate=translate,
    )


def _settle(limit: int | None, keep_stderr: bool) -> None:
    """The child's first steps: its standard error quiet unless kept, and its address space
    limited to what it holds now and ``limit`` bytes more (when given)."""
    import sys

    if not keep_stderr:  # the engine's own abort messages; the parent says what happened
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    faulthandler = sys.modules.get("faulthandler")  # a test runner's: it writes elsewhere
    if faulthandler is not None and faulthandler.is_enabled():
        faulthandler.disable()
    if limit is None:
        return
    import resource

    with open("/proc/self/statm", encoding="ascii") as fh:
        in_use = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    resource.setrlimit(resource.RLIMIT_AS, (in_use + limit, in_use + limit))


def _go_offline(what: str) -> None:
    """Cut this child off from the network, or say why it cannot be."""
    why = _cut_network()
    if why is not None:
        raise QueryFailed(
            f"{what} cannot be cut off from the network on this system ({why})",
            hint="set HKIT_IN_PROCESS=1 to rely on hkit's checks of the query text alone",
        )
