"""The home page, ``/``: the size of the graph, its entities by class, and the saved queries by
tag."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from hkit.web.server import Server
from hkit.web.views import server_of


async def context(server: Server) -> dict[str, Any]:
    """What the template is given: the graph's statistics, and the saved queries by tag (a
    query without tags under "other"), tags in order."""
    stats = await server.call(server.kg.stats)
    by_tag: dict[str, list[Any]] = {}
    for q in server.kg.queries.values():
        for tag in q.tags or ["other"]:
            by_tag.setdefault(tag, []).append(q)
    return {"stats": stats, "by_tag": dict(sorted(by_tag.items()))}


async def page(request: Request) -> Response:
    """The home page."""
    server = server_of(request)
    return server.page("home", **await context(server))
