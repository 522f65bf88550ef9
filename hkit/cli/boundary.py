"""The command line's error boundary, shared by the fast lane and click: an error becomes one line
on stderr (a traceback first with ``--debug``) and the documented exit code; and its signal
handling."""

from __future__ import annotations

import sys

from hkit.core.errors import (
    EXIT_BROKEN_PIPE,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    HkitError,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType
    from typing import Any, NoReturn

#: The signals that stop hkit with one line, cleaning up on the way (temporary files, children).
STOP_SIGNALS = ("SIGTERM", "SIGHUP")


class Stopped(BaseException):
    """hkit was told to stop (SIGTERM or SIGHUP): raised in the main thread, so that ``finally``
    blocks and cleanup run, then turned into one line and exit code 128 + the signal number."""

    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.number = number


def _stop(number: int, frame: object) -> None:
    raise Stopped(number)


def handle_stop_signals() -> dict[int, Any]:
    """Make SIGTERM and SIGHUP raise :class:`Stopped` (only from the main thread, where Python
    delivers signals; handlers a program set itself are kept). Returns the handlers replaced,
    for :func:`restore_signals`."""
    import signal
    import threading

    replaced: dict[int, Any] = {}
    if threading.current_thread() is not threading.main_thread():
        return replaced
    for name in STOP_SIGNALS:
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) in (signal.SIG_DFL, None):
            replaced[number] = signal.signal(number, _stop)
    return replaced


def restore_signals(replaced: dict[int, Any]) -> None:
    """Put back the handlers that :func:`handle_stop_signals` replaced (for a program that runs
    the command line in its own process, such as a test runner)."""
    import signal

    for number, handler in replaced.items():
        signal.signal(number, handler)


def unexpected_lines(exc: BaseException) -> tuple[list[str], int]:
    """One line and an exit code for what is not an :class:`HkitError`: an interruption, a
    signal, a closed or full output, or an error inside hkit."""
    import errno

    if isinstance(exc, KeyboardInterrupt):
        return ["hkit: interrupted"], EXIT_INTERRUPTED
    if isinstance(exc, Stopped):
        import signal

        name = signal.Signals(exc.number).name
        return [f"hkit: stopped by {name}"], 128 + exc.number
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO):
        return [f"hkit: error: cannot write the output: {exc.strerror}"], EXIT_USAGE
    text = " ".join(str(exc).split())
    text = text[:300] + ("..." if len(text) > 300 else "")
    return [
        f"hkit: internal error: {type(exc).__name__}: {text}",
        "hkit: hint: this is a bug in hkit; run again with --debug to see where, and report it",
    ], EXIT_INTERNAL


def _drop_output() -> None:
    """Send what standard output still holds to /dev/null: its reader is gone, and Python would
    complain at exit when it cannot write it."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def quiet_broken_pipe() -> NoReturn:
    """The reader of standard output went away (``hkit query ... | head``): stop quietly, with
    no error message and no complaint from Python at exit, and exit 141 as a shell would."""
    _drop_output()
    sys.exit(EXIT_BROKEN_PIPE)


class ErrorBoundary:
    """Where an error ends a command, in both lanes (``with ErrorBoundary(debug): ...``): an
    :class:`HkitError` becomes its lines and its exit code, after what the command wrote to
    stdout; a closed output pipe a quiet exit 141; Ctrl-C, SIGTERM and SIGHUP (:class:`Stopped`),
    a full disk and errors inside hkit the lines and codes of :func:`unexpected_lines`. With
    ``debug()`` true the traceback comes first. ``SystemExit`` passes, and so do the exceptions
    in ``passing`` (click's own, which click turns into its answer)."""

    def __init__(
        self, debug: Callable[[], bool], passing: tuple[type[BaseException], ...] = ()
    ) -> None:
        self.debug = debug
        self.passing = passing

    def __enter__(self) -> ErrorBoundary:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not isinstance(exc, (Exception, KeyboardInterrupt, Stopped)):
            return  # no error, or SystemExit
        if isinstance(exc, self.passing):
            return
        if isinstance(exc, BrokenPipeError):
            quiet_broken_pipe()
        if self.debug():
            import traceback

            traceback.print_exception(kind, exc, tb)
        if isinstance(exc, HkitError):
            lines, code = exc.lines(), exc.exit_code
            try:  # what the command wrote comes before its error
                sys.stdout.flush()
            except OSError:
                _drop_output()
        else:
            lines, code = unexpected_lines(exc)
        sys.stderr.write("".join(line + "\n" for line in lines))
        sys.stderr.flush()
        sys.exit(code)
