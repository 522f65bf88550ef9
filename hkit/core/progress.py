"""A progress line on standard error for long work (a store's build, a validation)."""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    pass


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
