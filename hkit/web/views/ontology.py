"""The ontology and the shapes served as data: ``/ontology`` (the document of every term IRI,
``https://w3id.org/hkit/ontology#Plan``) and ``/shapes`` answer Turtle, RDF/XML or JSON-LD by the
``Accept`` header (or ``?format=``), and a page for people otherwise: the ontology's
documentation (a redirect to ``/ontology/``), the shapes listed with their targets. Each is made
once, admitted as a query is (:meth:`hkit.web.server.Server.call`), and kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from hkit.core.vocab import compact, expand
from hkit.store.files import ONTOLOGY, SHAPES
from hkit.web.negotiation import negotiate
from hkit.web.server import Server
from hkit.web.views import href, server_of

#: What /ontology and /shapes answer in, by media type: a page, or the graph in an RDF syntax.
OFFERED = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}
#: The media type of each RDF syntax.
MEDIA = {
    "turtle": "text/turtle; charset=utf-8",
    "xml": "application/rdf+xml",
    "json-ld": "application/ld+json",
}
#: What ``?format=`` may name, beside the syntaxes' own names.
ALIASES = {"ttl": "turtle", "rdfxml": "xml", "jsonld": "json-ld"}
#: Answers differ by the Accept header: caches must keep them apart.
VARY = {"Vary": "Accept"}


def _wants(request: Request) -> str:
    given = request.query_params.get("format")
    return negotiate(request.headers.get("accept"), OFFERED, ALIASES.get(given or "", given))


async def _graph(server: Server, path: Path, fmt: str) -> Response:
    """The file ``path`` (Turtle) in the syntax ``fmt``, made once and kept."""
    key = f"{path.name}:{fmt}"
    if key not in server.made:

        def convert() -> bytes:
            if fmt == "turtle":
                return path.read_bytes()  # as written, with its comments
            import rdflib  # heavy: only to write another syntax

            data: bytes = (
                rdflib.Graph().parse(path, format="turtle").serialize(format=fmt, encoding="utf-8")
            )
            return data

        server.made[key] = await server.call(convert)  # admitted as a query is
    return Response(server.made[key], media_type=MEDIA[fmt], headers=VARY)


async def ontology(request: Request) -> Response:
    """The ontology: its documentation for people, else the ontology in the syntax asked for."""
    server = server_of(request)
    wants = _wants(request)
    if wants == "html":
        # a browser follows the Location; the body says where to, for one that does not
        link = '<p>The ontology\'s documentation is at <a href="/ontology/">/ontology/</a>.</p>'
        return HTMLResponse(link, status_code=303, headers={"Location": "/ontology/", **VARY})
    return await _graph(server, server.kg.root / ONTOLOGY, wants)


async def shapes(request: Request) -> Response:
    """The SHACL shapes: a page listing them for people, else the shapes in the syntax asked
    for."""
    server = server_of(request)
    wants = _wants(request)
    path = server.kg.root / SHAPES
    if wants != "html":
        return await _graph(server, path, wants)
    if "shapes:page" not in server.made:
        server.made["shapes:page"] = await server.call(_shapes, path, server.classes)
    response = server.page("shapes", shapes=server.made["shapes:page"])
    response.headers["Vary"] = "Accept"
    return response


def _shapes(path: Path, classes: dict[str, str]) -> list[dict[str, Any]]:
    """The node shapes of the file, by name: each with its IRI, anchor, name, description and
    targets (kind, compact name, path)."""
    import rdflib  # heavy: read the shapes file
    from rdflib.namespace import RDF, SH

    graph = rdflib.Graph().parse(path, format="turtle")
    found = []
    kinds = (
        (SH.targetClass, "instances of"),
        (SH.targetObjectsOf, "values of"),
        (SH.targetSubjectsOf, "subjects of"),
        (SH.targetNode, "the node"),
    )
    for shape in set(graph.subjects(RDF.type, SH.NodeShape)):
        if not isinstance(shape, rdflib.URIRef):
            continue
        targets = [
            {"kind": word, "name": compact(str(t)), "path": href(str(t), classes)}
            for predicate, word in kinds
            for t in sorted(graph.objects(shape, predicate), key=str)
        ]
        paths = sorted(
            {
                compact(str(p))
                for prop in graph.objects(shape, SH.property)
                for p in graph.objects(prop, SH.path)
                if isinstance(p, rdflib.URIRef)
            }
        )
        found.append(
            {
                "iri": str(shape),
                "anchor": str(shape).rpartition("#")[2],
                "name": str(graph.value(shape, SH.name) or compact(str(shape))),
                "description": str(graph.value(shape, SH.description) or ""),
                "targets": targets,
                "paths": [{"name": p, "path": href(expand(p), classes)} for p in paths],
            }
        )
    return sorted(found, key=lambda s: (s["name"].lower(), s["iri"]))
