"""The command line's signal handling and its words for an unexpected error."""

from __future__ import annotations

from hkit.core.errors import EXIT_BROKEN_PIPE, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
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


def quiet_broken_pipe() -> NoReturn:
    """The reader of standard output went away (``hkit query ... | head``): stop quietly, with
    no error message and no complaint from Python at exit, and exit 141 as a shell would."""
    import os
    import sys

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    sys.exit(EXIT_BROKEN_PIPE)
