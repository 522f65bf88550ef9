"""The saved-query API: the catalogue (``/api/queries``), any saved query run by name with its
parameters as query parameters (``/api/queries/{name}``), and the OpenAPI description of
everything the server serves (``/api/openapi.json``)."""

from __future__ import annotations

import urllib.parse

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hkit.web.openapi import openapi_document
from hkit.web.views import server_of


async def list_queries(request: Request) -> Response:
    """The saved queries, as ``hkit queries --format json`` lists them."""
    return JSONResponse([q.as_dict() for q in server_of(request).kg.queries.values()])


async def run_query(request: Request) -> Response:
    """A saved query's answer, in the format ``?format=`` or the ``Accept`` header asks for."""
    server = server_of(request)
    name = request.path_params["name"]
    params = urllib.parse.parse_qs(request.url.query, keep_blank_values=True)
    given = params.pop("format", [None])[0]
    text = await server.prepared(name, params)  # an empty value counts as none
    result = await server.run(text)
    return await server.answer(result, request, given)


async def openapi(request: Request) -> Response:
    """The OpenAPI 3 description of the server, its URL the one this request came to."""
    base = str(request.base_url).rstrip("/")
    return JSONResponse(openapi_document(server_of(request).kg, base))
