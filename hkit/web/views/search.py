"""The search page, ``/search?q=``: the entities whose label, abbreviation or IRI matches a
text."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from hkit.web.server import Server
from hkit.web.views import entity_path, server_of


async def context(server: Server, request: Request) -> dict[str, Any]:
    """What the template is given: the text looked for, and each match's label, IRI and page
    (None for an IRI outside the graph's namespace)."""
    text = request.query_params.get("q", "").strip()
    matches: list[tuple[str, str]] = []
    if text:
        matches = await server.call(server.kg.find, text)
    found = [(label, iri, entity_path(iri)) for iri, label in matches]
    return {"text": text, "found": found}


async def page(request: Request) -> Response:
    """The search page."""
    server = server_of(request)
    return server.page("search", **await context(server, request))
