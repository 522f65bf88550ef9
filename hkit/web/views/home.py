"""The home page, ``/`` (and its JSON twin, ``/.json``): the size of the graph, its entities by
class (asserted, and with what the ontology entails), each class linked to its page, and the
saved queries by tag."""

from __future__ import annotations

import dataclasses
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hkit.core.vocab import compact
from hkit.web.server import Server
from hkit.web.views import class_path, server_of


async def context(server: Server) -> dict[str, Any]:
    """What the template is given: the graph's statistics, and the saved queries by tag (a
    query without tags under "other"), tags in order."""
    stats = await server.call(server.kg.stats)
    by_tag: dict[str, list[Any]] = {}
    for q in server.kg.queries.values():
        for tag in q.tags or ["other"]:
            by_tag.setdefault(tag, []).append(q)
    class_paths = {compact(c): class_path(c) for c in server.classes}
    return {"stats": stats, "by_tag": dict(sorted(by_tag.items())), "class_paths": class_paths}


def as_json(context: dict[str, Any]) -> dict[str, Any]:
    """The context as JSON: the statistics as ``hkit stats --format json`` gives them, and for
    each tag its queries' names, summaries and pages; each class's page by its compact name."""
    return {
        "class_paths": context["class_paths"],
        "stats": dataclasses.asdict(context["stats"]),
        "by_tag": {
            tag: [{"name": q.name, "summary": q.summary, "path": f"/queries/{q.name}"} for q in qs]
            for tag, qs in context["by_tag"].items()
        },
    }


async def page(request: Request) -> Response:
    """The home page."""
    server = server_of(request)
    return server.page("home", **await context(server))


async def data(request: Request) -> Response:
    """The home page's data, as JSON."""
    return JSONResponse(as_json(await context(server_of(request))))
