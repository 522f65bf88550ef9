"""The server's views, one module per page or group of routes, registered from the route table
in :mod:`hkit.web.app`.

Each page for people (``home``, ``search``, ``entity``, ``query``) gives two views made from one
``context``, the data its template is given: ``page``, the page from its template, and
``data``, its JSON twin, served at the page's path with ``.json`` (``/id/hkust.json``,
``/queries/funds-by-size.json``, ``/.json`` for the home page). ``api`` holds the saved-query
API and its OpenAPI description, ``sparql`` the SPARQL 1.1 Protocol endpoint.
"""

from __future__ import annotations

import re

from starlette.requests import Request

from hkit.core.vocab import ID
from hkit.web.server import Server

#: The local name of an entity of the graph, after its namespace (``ID``).
SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}")
#: What a page's path ends with for its JSON twin.
JSON_SUFFIX = ".json"


def server_of(request: Request) -> Server:
    """The state of the application that ``request`` came to."""
    server: Server = request.app.state.server
    return server


def entity_path(iri: str) -> str | None:
    """The page of an entity of the graph, or None for an IRI outside its namespace."""
    if iri.startswith(ID) and SLUG.fullmatch(iri[len(ID) :]):
        return "/id/" + iri[len(ID) :]
    return None
