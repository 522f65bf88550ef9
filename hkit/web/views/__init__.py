"""The server's views, one module per page or group of routes, registered from the route table
in :mod:`hkit.web.app`.

Each page for people (``home``, ``search``, ``entity``, ``classes``, ``sources``, ``query``)
gives two views made from one ``context``, the data its template is given: ``page``, the page
from its template, and ``data``, its JSON twin, served at the page's path with ``.json``
(``/id/hkust.json``, ``/queries/funds-by-size.json``, ``/.json`` for the home page). ``api``
holds the saved-query API and its OpenAPI description, ``sparql`` the SPARQL 1.1 Protocol
endpoint, ``ontology`` the ontology and the shapes by content negotiation.

Every IRI a page shows is a link (:func:`hkit.web.links.href`): to its page here when there is
one, else to the IRI itself.
"""

from __future__ import annotations

from starlette.requests import Request

from hkit.web.links import (
    SLUG,
    TERM,
    article,
    class_path,
    entity_path,
    href,
    sentence_index,
    source_link,
)
from hkit.web.server import Server

#: What a page's path ends with for its JSON twin.
JSON_SUFFIX = ".json"


def ledger_index(server: Server) -> dict[str, dict[str, list[int]]]:
    """For each document of the claims ledger, the numbers of the sentences each node encodes
    (:func:`hkit.web.links.sentence_index`), made once and kept."""
    if "ledger:index" not in server.made:
        server.made["ledger:index"] = sentence_index(server.ledger)
    found: dict[str, dict[str, list[int]]] = server.made["ledger:index"]
    return found


def server_of(request: Request) -> Server:
    """The state of the application that ``request`` came to."""
    server: Server = request.app.state.server
    return server


#: What the views take from here (the links' helpers among them).
__all__ = [
    "JSON_SUFFIX",
    "SLUG",
    "TERM",
    "article",
    "class_path",
    "entity_path",
    "href",
    "ledger_index",
    "server_of",
    "source_link",
]
