"""The search page, ``/search?q=`` (and its JSON twin, ``/search.json?q=``): the entities whose
label, abbreviation or IRI matches a text."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

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


def as_json(context: dict[str, Any]) -> dict[str, Any]:
    """The context as JSON: the text, and the matches as objects."""
    return {
        "text": context["text"],
        "found": [
            {"label": label, "iri": iri, "path": path} for label, iri, path in context["found"]
        ],
    }


async def page(request: Request) -> Response:
    """The search page."""
    server = server_of(request)
    return server.page("search", **await context(server, request))


async def data(request: Request) -> Response:
    """The search page's data, as JSON."""
    server = server_of(request)
    return JSONResponse(as_json(await context(server, request)))
