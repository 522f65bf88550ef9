"""The project's exceptions and exit codes.

Library code raises these; the command line turns them into one line on stderr and an exit code
(see ``hkit.cli``), so that a user never sees a traceback unless they ask for one with --debug.
"""

from __future__ import annotations

#: Exit codes, documented in the README.
EXIT_OK = 0
EXIT_CHECK_FAILED = 1  # a check ran and found problems (SHACL violations, inconsistency...)
EXIT_USAGE = 2  # bad option, unknown name, unreadable or malformed input, cannot run


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
        out = [f"hkit: error: {' '.join(self.message.split())}"]
        if self.hint:
            out.append(f"hkit: hint: {' '.join(self.hint.split())}")
        return out

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} (hint: {self.hint})"


class InputError(HkitError):
    """A file is missing, unreadable or malformed."""


class ResourceError(HkitError):
    """The ontology, shapes or data cannot be found."""


class ReasonerError(HkitError):
    """The reasoner could not run: no Java, a timeout, or a failure inside owlready2/HermiT."""
