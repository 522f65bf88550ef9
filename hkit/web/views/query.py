"""A saved query's page, ``/queries/{name}`` (and its JSON twin, ``/queries/{name}.json``): its
description, a form for its parameters, and with ``run`` (or any of its parameters) its answer
as a table, with links to download it from the API."""

from __future__ import annotations

import urllib.parse
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hkit.core.catalog import SavedQuery
from hkit.core.errors import HkitError, UnknownQuery
from hkit.present.view import with_view
from hkit.web.errors import Refused
from hkit.web.grid import Cell, SourceLink, arrange, cells, note_words, web_words
from hkit.web.server import Server
from hkit.web.views import JSON_SUFFIX, ledger_index, server_of, source_link

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
    answer as a table (run on first visit when no required parameter lacks a value: the query's
    first example fills them in) sorted, faceted and paged as the request asks, the notes that
    explain an empty answer, and the links to download the answer."""
    pairs = urllib.parse.parse_qsl(request.url.query, keep_blank_values=True)
    params: dict[str, list[str]] = {}
    for k, v in pairs:
        if v != "" and not k.startswith("_") and k != "run":
            params.setdefault(k, []).append(v)
    example = saved.examples[0] if saved.examples else {}
    missing = [p for p in saved.params if p.required and p.default is None]
    first_visit = not params and "run" not in request.query_params
    if first_visit and missing and all(p.name in example for p in missing):
        params = {k: list(v) for k, v in example.items()}
    table, notes = None, []
    if "run" in request.query_params or params or not missing:
        try:
            text = await server.prepared(saved.name, params)
        except Refused as exc:
            raise Refused(exc.status, web_words(exc.message)) from None
        result = await server.run(text)
        if saved.view:  # the person's table cites its sources by key, named in its legend
            result = with_view(result, saved.view, server.kg.engine, server.kg.timeout)
        else:
            result = await server.call(server.kg.with_source_names, result)
        if result.form == "SELECT":
            query_string = urllib.parse.urlencode([(k, v) for k, vs in params.items() for v in vs])
            controls = {k: v for k, v in request.query_params.items() if k.startswith("_")}
            # in a worker, through the slots: the legend of the sources is asked of the graph
            grid = await server.call(cells, result, server.classes, _source_link(server))
            table = arrange(grid, controls, query_string)
            if not result.rows and params:
                found = await server.call(server.kg.explain, saved.name, **params)
                notes = [note_words(n.param, n.value, str(n)) for n in found]
    query_string = urllib.parse.urlencode([(k, v) for k, vs in params.items() for v in vs])
    return {
        "saved": saved,
        "description": web_words(saved.description),
        "given": {k: vs[0] for k, vs in params.items()},
        "table": table,
        "notes": notes,
        "downloads": [
            (
                fmt,
                f"/api/queries/{saved.name}?"
                + "&".join(filter(None, [query_string, f"format={fmt}"])),
            )
            for fmt in DOWNLOADS
        ],
    }


def _source_link(server: Server) -> SourceLink:
    """Where the answer's citation keys link to: each source's page, at the sentence that
    states the row's fact when the claims ledger says which."""
    index = ledger_index(server)
    return lambda file, iris: source_link(file, index, iris)


def _cell(cell: Cell) -> dict[str, Any]:
    """A cell as JSON: its text and link, and its citation keys when it shows some."""
    found: dict[str, Any] = {"text": cell.text, "link": cell.link}
    if cell.keys:
        found["keys"] = cell.keys
    return found


def as_json(context: dict[str, Any]) -> dict[str, Any]:
    """The context as JSON: the saved query as ``/api/queries`` lists it, with its text; the
    values given; the table (its columns, this page's rows of cells, text and link and, for a
    column of citation keys, each key's source and link; the counts, the links to the pages
    before and after, the facets, the legend and each key's source and link); the notes that
    explain an empty answer; the downloads."""
    table = context["table"]
    if table is not None:
        table = {
            **{k: table[k] for k in ("columns", "numeric", "legend", "cited", "count", "total")},
            **{k: table[k] for k in ("first", "last", "previous", "next", "sort", "descending")},
            "size": table["size"],
            "rows": [[_cell(c) for c in row] for row in table["rows"]],
            "sort_links": {h["name"]: h["href"] for h in table["headers"]},
            "facets": table["facets"],
        }
    saved = context["saved"]
    return {
        "saved": {**saved.as_dict(), "text": saved.text},
        "given": context["given"],
        "table": table,
        "notes": context["notes"],
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
