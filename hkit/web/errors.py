"""The server's refusals: a request answered with an error status and a one-line message (as
text under /sparql, /api/ and the pages' JSON twins, as a page elsewhere)."""

from __future__ import annotations


class Refused(Exception):
    """A request the server answers with an error status and a one-line message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
