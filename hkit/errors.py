"""The project's exceptions and exit codes.

Library code raises these; the command line turns them into one line on stderr and an exit code
(see ``hkit.cli``), so that a user never sees a traceback unless they ask for one with --debug.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    from typing import Any, NoReturn

#: Exit codes, documented in the README.
EXIT_OK = 0
EXIT_CHECK_FAILED = 1  # a check ran and found problems (SHACL violations, inconsistency...)
EXIT_USAGE = 2  # bad option, unknown name, unreadable or malformed input, cannot run
EXIT_INTERNAL = 3  # an unexpected error inside hkit (a bug): one line, --debug shows where
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT); SIGTERM and SIGHUP give 128 + their number
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: the program reading hkit's output stopped reading

#: The signals that stop hkit with one line, cleaning up on the way (temporary files, children).
STOP_SIGNALS = ("SIGTERM", "SIGHUP")


class HkitError(Exception):
    """Base class: an error that the command line reports in one line, with an optional hint."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def lines(self) -> list[str]:
        """What the command line prints: the message and the hint, one line each, whatever a
        library put in them."""
        out = [f"hkit: error: {_shorten(self.message)}"]
        if self.hint:
            out.append(f"hkit: hint: {_shorten(self.hint)}")
        return out

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} (hint: {self.hint})"


#: The longest message a line shows (a parser may quote a whole 15 MB token).
MAX_MESSAGE = 500


def _shorten(text: str) -> str:
    """The text on one line, cut to MAX_MESSAGE characters."""
    text = " ".join(text[: MAX_MESSAGE * 4].split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


class QueryError(HkitError):
    """An unknown query, a bad saved query, or a bad parameter."""


class QueryTimeout(HkitError):
    """A query did not finish within the time allowed."""


class QueryFailed(HkitError):
    """The engine rejected or could not evaluate a query."""


class AnswerTooLarge(HkitError):
    """An answer has more rows or bytes than the caller allows (``hkit serve``'s caps); the
    query was stopped before the whole answer was read."""


class EndpointError(HkitError):
    """A remote SPARQL endpoint could not be reached or gave no usable answer."""


class InputError(HkitError):
    """A file is missing, unreadable or malformed."""


class ResourceError(HkitError):
    """The ontology, shapes or data cannot be found."""


class ReasonerError(HkitError):
    """The reasoner could not run: no Java, a timeout, or a failure inside owlready2/HermiT."""


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


class Progress:
    """What long work is doing now, on stderr, when stderr is a terminal: one line rewritten in
    place (the step and the time since the work began), cleared at the end. Nothing at all when
    stderr is a file or a pipe, so that logs and tests see only the result."""

    def __init__(self, what: str) -> None:
        import sys
        import time

        self.what = what
        self.started = time.monotonic()
        self.on = sys.stderr.isatty()
        self.width = 0

    def step(self, name: str) -> None:
        """Show that ``name`` runs now."""
        import sys
        import time

        if not self.on:
            return
        line = f"hkit: {self.what}: {name}... ({time.monotonic() - self.started:.0f} s)"
        sys.stderr.write("\r" + line.ljust(self.width))
        sys.stderr.flush()
        self.width = len(line)

    def done(self) -> None:
        """Clear the line."""
        import sys

        if self.on and self.width:
            sys.stderr.write("\r" + " " * self.width + "\r")
            sys.stderr.flush()
