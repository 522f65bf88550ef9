"""The ontology and the shapes served as data: ``/ontology`` (the document of every term IRI,
``https://w3id.org/hkit/ontology#Plan``) and ``/shapes`` answer Turtle, RDF/XML or JSON-LD by the
``Accept`` header (or ``?format=``), and a page for people otherwise: the ontology's
documentation (a redirect to ``/ontology/``), the shapes listed with their targets. Each has a
JSON twin, ``/ontology.json`` (the ontology's metadata and its terms, each with its page) and
``/shapes.json`` (the shapes as their page lists them). Each is made once, admitted as a query is
(:meth:`hkit.web.server.Server.call`), and kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from hkit.core.vocab import HKIT, compact, expand
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


async def ontology_data(request: Request) -> Response:
    """The ontology's data, as JSON: its IRI, title, description and version, and its classes and
    properties, each with its label, definition, page and place in the documentation."""
    server = server_of(request)
    if "ontology:data" not in server.made:
        path = server.kg.root / ONTOLOGY
        server.made["ontology:data"] = await server.call(_ontology, path, server.classes)
    return JSONResponse(server.made["ontology:data"])


async def _shape_rows(server: Server) -> list[dict[str, Any]]:
    """The shapes as their page lists them, made once and kept."""
    if "shapes:page" not in server.made:
        path = server.kg.root / SHAPES
        server.made["shapes:page"] = await server.call(_shapes, path, server.classes)
    found: list[dict[str, Any]] = server.made["shapes:page"]
    return found


async def shapes(request: Request) -> Response:
    """The SHACL shapes: a page listing them for people, else the shapes in the syntax asked
    for."""
    server = server_of(request)
    wants = _wants(request)
    if wants != "html":
        return await _graph(server, server.kg.root / SHAPES, wants)
    response = server.page("shapes", shapes=await _shape_rows(server))
    response.headers["Vary"] = "Accept"
    return response


async def shapes_data(request: Request) -> Response:
    """The shapes' page's data, as JSON: each node shape with its IRI, anchor, name, description,
    targets and the paths its properties constrain (each with its page)."""
    return JSONResponse({"shapes": await _shape_rows(server_of(request))})


def _ontology(path: Path, classes: dict[str, str]) -> dict[str, Any]:
    """The ontology's metadata and its terms (hkit's own classes and properties, by name)."""
    import rdflib  # heavy: read the ontology file
    from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

    graph = rdflib.Graph().parse(path, format="turtle")
    node = next(iter(graph.subjects(RDF.type, OWL.Ontology)), None)

    def text(subject: Any, *predicates: Any) -> str | None:
        for predicate in predicates:
            values = sorted(
                graph.objects(subject, predicate),
                key=lambda v: getattr(v, "language", None) != "en",
            )
            if values:
                return str(values[0])
        return None

    def names(subject: Any, predicate: Any) -> list[dict[str, str | None]]:
        found = {o for o in graph.objects(subject, predicate) if isinstance(o, rdflib.URIRef)}
        return [{"name": compact(str(o)), "path": href(str(o), classes)} for o in sorted(found)]

    kinds = (
        (OWL.Class, "class"),
        (OWL.ObjectProperty, "object property"),
        (OWL.DatatypeProperty, "datatype property"),
        (OWL.AnnotationProperty, "annotation property"),
    )
    terms: dict[str, list[dict[str, Any]]] = {"classes": [], "properties": []}
    for kind, word in kinds:
        for term in sorted(set(graph.subjects(RDF.type, kind))):
            iri = str(term)
            if not isinstance(term, rdflib.URIRef) or not iri.startswith(HKIT):
                continue
            entry: dict[str, Any] = {
                "iri": iri,
                "name": compact(iri),
                "kind": word,
                "label": text(term, RDFS.label),
                "definition": text(term, SKOS.definition, RDFS.comment),
                "path": href(iri, classes),
                "documentation": "/ontology/#" + iri[len(HKIT) :],
                "deprecated": (term, OWL.deprecated, rdflib.Literal(True)) in graph,
            }
            if kind == OWL.Class:
                entry["superclasses"] = names(term, RDFS.subClassOf)
                terms["classes"].append(entry)
            else:
                entry["superproperties"] = names(term, RDFS.subPropertyOf)
                entry["domain"] = names(term, RDFS.domain)
                entry["range"] = names(term, RDFS.range)
                terms["properties"].append(entry)
    return {
        "iri": str(node) if node is not None else None,
        "title": text(node, DCTERMS.title) if node is not None else None,
        "description": text(node, DCTERMS.description) if node is not None else None,
        "version": text(node, OWL.versionInfo) if node is not None else None,
        "version_iri": text(node, OWL.versionIRI) if node is not None else None,
        "documentation": "/ontology/",
        **terms,
    }


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
