"""An entity's page, ``/id/{name}`` (and its JSON twin, ``/id/{name}.json``): everything the graph
says about it, with labels, and what the ontology entails about it apart; or its description in
RDF when the ``Accept`` header or ``?format=`` asks for Turtle, N-Triples or JSON-LD: the triples
about it that the documents state (what they entail follows from them and the ontology, which
a client that reasons has; the export holds the same triples)."""

from __future__ import annotations

import dataclasses
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hkit.core.answers import Result
from hkit.core.vocab import ID
from hkit.web.errors import Refused
from hkit.web.negotiation import _GRAPH, negotiate
from hkit.web.server import Server
from hkit.web.views import JSON_SUFFIX, SLUG, entity_path, server_of

#: What an entity's page answers in: the page, or its description in an RDF syntax.
OFFERED = {"text/html": "html", **{k: v for k, v in _GRAPH.items() if k != "text/plain"}}


def _asserted(server: Server, iri: str) -> Result:
    """The entity's description in RDF (DESCRIBE: its triples, and those of the blank nodes they
    lead to) on the asserted graph: what the documents state, not what the ontology entails."""
    engine = server.kg.embedded.asserted()
    text = f"DESCRIBE <{iri}>"
    return engine.run(text, server.kg.timeout, max_rows=server.max_rows, max_bytes=server.max_bytes)


def _iri(slug: str) -> str:
    """The entity's IRI; a 404 for a name that is not one an IRI of the graph may end with."""
    if not SLUG.fullmatch(slug):
        raise Refused(404, "no such entity")
    return ID + slug


async def context(server: Server, iri: str) -> dict[str, Any]:
    """What the template is given: the entity's description (a 404 when the graph holds
    nothing about it), and how to link to an entity's page."""
    matches = await server.call(server.kg.find, iri)
    if not matches:
        raise Refused(404, f"nothing in the graph is <{iri}>")
    description = await server.call(server.kg.describe, iri)
    return {"d": description, "path": entity_path}


def as_json(context: dict[str, Any]) -> dict[str, Any]:
    """The context as JSON: the description's fields, as ``hkit describe --format json``
    gives them."""
    return dataclasses.asdict(context["d"])


async def page(request: Request) -> Response:
    """The entity's page, or its description in RDF."""
    return await _page(request, request.path_params["name"])


async def _page(request: Request, slug: str) -> Response:
    server = server_of(request)
    iri = _iri(slug)
    wants = negotiate(request.headers.get("accept"), OFFERED, request.query_params.get("format"))
    if wants != "html":
        result = await server.call(_asserted, server, iri)
        if not result.triples:
            raise Refused(404, f"nothing in the graph is <{iri}>")
        return await server.answer(result, request, wants)
    return server.page("entity", **await context(server, iri))


async def data(request: Request) -> Response:
    """The entity's page's data, as JSON. An entity whose own name ends in ``.json`` keeps its
    page at this path when the name without it is no entity."""
    server = server_of(request)
    slug = request.path_params["name"]
    try:
        found = await context(server, _iri(slug))
    except Refused as exc:
        whole = slug + JSON_SUFFIX
        if exc.status != 404 or not SLUG.fullmatch(whole):
            raise
        if not await server.call(server.kg.find, ID + whole):
            raise exc from None
        return await _page(request, whole)
    return JSONResponse(as_json(found))
