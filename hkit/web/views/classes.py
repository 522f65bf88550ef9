"""A class's page, ``/classes/{name}`` (and its JSON twin, ``/classes/{name}.json``): the class
of the ontology with its definition, its superclasses and subclasses, and its instances: those
the documents give the class (asserted) and those of its subclasses and what the ontology
otherwise entails (inferred), each counted. ``?infer=false`` lists the asserted ones alone, as
the SPARQL endpoint's ``infer=false`` leaves out what the ontology entails."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hkit.core.answers import Result
from hkit.core.sparql import with_values
from hkit.core.vocab import HKIT, ID, compact
from hkit.core.vocab import PROLOGUE as PREFIXES
from hkit.web.errors import Refused
from hkit.web.server import Server
from hkit.web.views import TERM, article, class_path, entity_path, href, server_of

#: The class's instances in hkit's namespace, with their labels.
_INSTANCES = (
    PREFIXES
    + f"""SELECT DISTINCT ?s (SAMPLE(?l) AS ?label) WHERE {{ ?s a ?class .
    FILTER(STRSTARTS(STR(?s), "{ID}")) OPTIONAL {{ ?s rdfs:label|skos:prefLabel ?l }} }}
    GROUP BY ?s"""
)
#: The class's definition and its place in the hierarchy (the ontology's own statements).
_ABOUT = (
    PREFIXES
    + """SELECT ?what ?o WHERE {
    { ?class skos:definition|rdfs:comment ?o . BIND("definition" AS ?what) }
    UNION { ?class rdfs:subClassOf ?o . FILTER(isIRI(?o)) BIND("super" AS ?what) }
    UNION { ?o rdfs:subClassOf ?class . FILTER(isIRI(?o)) BIND("sub" AS ?what) } }"""
)


def _iri(server: Server, name: str) -> str:
    """The class's IRI; a 404 for a name that is no class of the ontology."""
    iri = HKIT + name
    if not TERM.fullmatch(name) or iri not in server.classes:
        raise Refused(404, f"the ontology has no class {name}")
    return iri


def _infer(request: Request) -> bool:
    """Whether the page lists what the ontology entails too (``infer=false`` leaves it out)."""
    given = request.query_params.getlist("infer") or ["true"]
    if len(given) > 1 or given[0] not in ("true", "false"):
        raise Refused(400, "infer is true (the default) or false, once")
    return given[0] == "true"


def _instances(result: Result) -> dict[str, str]:
    """IRI -> label of the rows of _INSTANCES."""
    return {
        r["s"].value: r["label"].value if "label" in r else r["s"].value[len(ID) :]
        for r in result.rows
    }


async def context(server: Server, iri: str, infer: bool) -> dict[str, Any]:
    """What the template is given: the class (IRI, label, definition, superclasses and
    subclasses as label and path) and its instances, asserted and (unless ``infer`` is false)
    inferred, each as label, IRI and path, by label."""
    bound = {"class": [f"<{iri}>"]}
    about = await server.run(with_values(_ABOUT, bound), inferred=False)
    stated = _instances(await server.run(with_values(_INSTANCES, bound), inferred=False))
    entailed: dict[str, str] = {}
    if infer and not server.kg.asserted:
        everything = _instances(await server.run(with_values(_INSTANCES, bound)))
        entailed = {s: label for s, label in everything.items() if s not in stated}

    def terms(what: str) -> list[dict[str, str | None]]:
        found = sorted({r["o"].value for r in about.rows if r["what"].value == what})
        named = [
            {"label": server.classes.get(t, compact(t)), "iri": t, "path": href(t, server.classes)}
            for t in found
        ]
        return sorted(named, key=lambda t: str(t["label"]).lower())

    def listed(found: dict[str, str]) -> list[dict[str, str | None]]:
        ordered = sorted(found.items(), key=lambda item: (item[1].lower(), item[0]))
        return [{"label": label, "iri": s, "path": entity_path(s)} for s, label in ordered]

    definitions = [r["o"].value for r in about.rows if r["what"].value == "definition"]
    label = server.classes[iri]
    supers = terms("super")
    return {
        "iri": iri,
        "path": class_path(iri),
        "label": label,
        "article": article(label),
        "definition": definitions[0] if definitions else None,
        "superclasses": supers,
        "super_article": article(str(supers[0]["label"])).lower() if supers else "a",
        "reasons": not server.kg.asserted,
        "subclasses": terms("sub"),
        "infer": infer and bool(not server.kg.asserted),
        "asserted": listed(stated),
        "inferred": listed(entailed),
        "documentation": "/ontology/#" + iri[len(HKIT) :],
    }


async def page(request: Request) -> Response:
    """The class's page."""
    server = server_of(request)
    iri = _iri(server, request.path_params["name"])
    return server.page("class", **await context(server, iri, _infer(request)))


async def data(request: Request) -> Response:
    """The class's page's data, as JSON (a class's name has no dot: ``.json`` ends the twin's
    path alone)."""
    server = server_of(request)
    name = request.path_params["name"]
    iri = _iri(server, name)
    return JSONResponse(await context(server, iri, _infer(request)))
