"""A saved query's page, ``/queries/{name}`` (and its JSON twin, ``/queries/{name}.json``): its
description, a form for its parameters, and with ``run`` (or any of its parameters) its answer
as a table, with links to download it from the API."""

from __future__ import annotations

import urllib.parse
from collections.abc import Container
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hkit.core.catalog import SavedQuery
from hkit.core.errors import HkitError, UnknownQuery
from hkit.present.results import readable
from hkit.web.errors import Refused
from hkit.web.server import Server
from hkit.web.views import JSON_SUFFIX, href, server_of

#: The formats the page links to the answer in.
DOWNLOADS = ("csv", "tsv", "json", "xml")


def _saved(server: Server, name: str) -> SavedQuery:
    """The saved query; a 404 when there is none of that name, a 400 when it cannot be read."""
    try:
        return server.kg.saved_query(name)
    except HkitError as exc:
        raise Refused(404 if isinstance(exc, UnknownQuery) else 400, exc.message) from None


async def context(server: Server, request: Request, saved: SavedQuery) -> dict[str, Any]:
    """What the template is given: the saved query, the values given for its parameters, its
    answer as a table when it was run (else None), and the links to download the answer."""
    params = urllib.parse.parse_qs(request.url.query, keep_blank_values=True)
    params = {k: [v for v in vs if v != ""] for k, vs in params.items()}
    params = {k: vs for k, vs in params.items() if vs}
    table = None
    if "run" in request.query_params or (params and "run" not in params):
        params.pop("run", None)
        text = await server.prepared(saved.name, params)
        result = await server.run(text)
        result = await server.call(server.kg.with_source_names, result)
        table = _table(result, server.classes)
    query_string = urllib.parse.urlencode([(k, v) for k, vs in params.items() for v in vs])
    return {
        "saved": saved,
        "given": {k: vs[0] for k, vs in params.items()},
        "table": table,
        "downloads": [
            (
                fmt,
                f"/api/queries/{saved.name}?"
                + "&".join(filter(None, [query_string, f"format={fmt}"])),
            )
            for fmt in DOWNLOADS
        ],
    }


def _table(result: Any, classes: Container[str] = ()) -> dict[str, Any]:
    """A SELECT answer as a table for a page: its columns and, per row, (text, link) cells; an
    IRI links to its page here (an entity's, a class's of ``classes``), else to itself."""

    rows = []
    for row in result.rows:
        cells: list[tuple[str, str | None]] = []
        for var in result.variables:
            term = row.get(var)
            if term is None:
                cells.append(("", None))
            else:
                link = href(term.value, classes) if term.kind == "uri" else None
                cells.append((readable(term), link))
        rows.append(cells)
    return {"columns": result.variables, "rows": rows}


def as_json(context: dict[str, Any]) -> dict[str, Any]:
    """The context as JSON: the saved query as ``/api/queries`` lists it, with its text; the
    values given; the table's columns and rows of cells (text and link); the downloads."""
    table = context["table"]
    if table is not None:
        table = {
            "columns": table["columns"],
            "rows": [[{"text": t, "link": link} for t, link in row] for row in table["rows"]],
        }
    saved = context["saved"]
    return {
        "saved": {**saved.as_dict(), "text": saved.text},
        "given": context["given"],
        "table": table,
        "downloads": [{"format": f, "href": href} for f, href in context["downloads"]],
    }


async def page(request: Request) -> Response:
    """The saved query's page."""
    server = server_of(request)
    saved = _saved(server, request.path_params["name"])
    return server.page("query", **await context(server, request, saved))


async def data(request: Request) -> Response:
    """The saved query's page's data, as JSON. A saved query whose own name ends in ``.json``
    keeps its page at this path when the name without it is no saved query."""
    server = server_of(request)
    name = request.path_params["name"]
    try:
        saved = _saved(server, name)
    except Refused as exc:
        if exc.status != 404:
            raise
        try:
            saved = _saved(server, name + JSON_SUFFIX)
        except Refused:
            raise exc from None
        return server.page("query", **await context(server, request, saved))
    return JSONResponse(as_json(await context(server, request, saved)))
