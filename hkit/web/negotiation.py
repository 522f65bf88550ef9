"""Content negotiation: the media types of answers by the format hkit renders, what a client
may ask for by the form of the query (both from the format registry), and the choice of a
format from ``?format=`` or the ``Accept`` header."""

from __future__ import annotations

import mimeparse

from hkit.core.formats import ANSWERS, GRAPH, media_types, names, offered
from hkit.web.errors import Refused

#: Media types of answers, by the format hkit renders (from the format registry).
MEDIA_TYPES = media_types(ANSWERS, GRAPH)
#: What a client may ask for, by the form of the query, best first.
_TABULAR = offered(ANSWERS)
_GRAPH = offered(GRAPH)
#: The formats for people: asked for by name, they answer a CONSTRUCT in Turtle.
_PEOPLE = names(ANSWERS, people=True)


def negotiate(accept: str | None, offered: dict[str, str], given: str | None = None) -> str:
    """The format to answer in: ``given`` (``?format=``) when it names one, else the best match
    of the ``Accept`` header among ``offered`` (media type -> format), else the first offered."""
    formats = dict.fromkeys(offered.values())
    if given:
        if given not in formats and given not in _PEOPLE:
            raise Refused(400, f"format '{given}' is not one of: {', '.join(formats)}")
        return given
    if accept:
        try:
            # best_match breaks ties in favour of the last type: offer the preferred one last
            best = mimeparse.best_match(list(reversed(offered)), accept)
        except (ValueError, IndexError):
            best = ""
        if best:
            return offered[best]
        if _ranges(accept):  # a valid header that accepts none of them (q=0 included)
            raise Refused(406, f"none of the types asked for is offered: {', '.join(offered)}")
    return next(iter(formats))


def _ranges(accept: str) -> bool:
    """Whether ``accept`` is a header mimeparse reads (else it is ignored, as if absent)."""
    try:
        for part in accept.split(","):
            if part.strip():
                mimeparse.parse_media_range(part)
    except (ValueError, IndexError):
        return False
    return True
