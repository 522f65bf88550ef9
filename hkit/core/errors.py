"""The project's exceptions and exit codes.

Library code raises these; the command line turns them into one line on stderr and an exit code
(see ``hkit.cli``), so that a user never sees a traceback unless they ask for one with --debug.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    pass

#: Exit codes, documented in the README.
EXIT_OK = 0
EXIT_CHECK_FAILED = 1  # a check ran and found problems (SHACL violations, inconsistency...)
EXIT_USAGE = 2  # bad option, unknown name, unreadable or malformed input, cannot run
EXIT_INTERNAL = 3  # an unexpected error inside hkit (a bug): one line, --debug shows where
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT); SIGTERM and SIGHUP give 128 + their number
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: the program reading hkit's output stopped reading


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


class HkitWarning(UserWarning):
    """Base class of hkit's warnings: something a user may want to know that is no error."""


class UnmatchedWarning(HkitWarning):
    """A saved query answered nothing, and a value given for one of its parameters says why: it
    names nothing of its kind, or nothing that a row has. ``note`` holds the parameter, the value
    and the nearest values of its kind."""

    def __init__(self, message: str, note: object = None) -> None:
        super().__init__(message)
        self.note = note


#: The longest message a line shows (a parser may quote a whole 15 MB token).
MAX_MESSAGE = 500


def _shorten(text: str) -> str:
    """The text on one line, cut to MAX_MESSAGE characters."""
    text = " ".join(text[: MAX_MESSAGE * 4].split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


class QueryError(HkitError):
    """An unknown query, a bad saved query, or a bad parameter."""


class UnknownQuery(QueryError):
    """No saved query has the name asked for (``hkit serve`` answers it with a 404)."""


class QueryTimeout(HkitError):
    """A query did not finish within the time allowed."""


class QueryFailed(HkitError):
    """The engine rejected or could not evaluate a query."""


class StoreDamaged(QueryFailed):
    """A file of the graph's on-disk store turned out damaged while a query read it (the store
    is then built again, and the query run once more)."""


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
