"""An entity's page, ``/id/{name}`` (and its JSON twin, ``/id/{name}.json``): everything the graph
says about it, with labels, and what the ontology entails about it apart; or its description in
RDF when the ``Accept`` header or ``?format=`` asks for Turtle, N-Triples, JSON-LD or RDF/XML: the
triples about it that the documents state (what they entail follows from them and the ontology,
which a client that reasons has; the export holds the same triples).

On the page every IRI is a link (:class:`Links` finds the IRI behind each label the description
shows), and the sentences of the sources that state its facts link to them in their documents
(the claims ledger)."""

from __future__ import annotations

import dataclasses
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hkit.core.answers import Result, Term
from hkit.core.formats import render
from hkit.core.sparql import with_values
from hkit.core.vocab import ID, compact, expand
from hkit.core.vocab import PROLOGUE as PREFIXES
from hkit.present.results import readable
from hkit.web.errors import Refused
from hkit.web.negotiation import _GRAPH, negotiate
from hkit.web.server import Server
from hkit.web.views import (
    JSON_SUFFIX,
    SLUG,
    article,
    entity_path,
    href,
    ledger_index,
    server_of,
    source_link,
)

#: RDF/XML, made from the Turtle answer (the answers' formats have no RDF/XML writer).
RDFXML = "application/rdf+xml"
#: What an entity's page answers in: the page, or its description in an RDF syntax.
OFFERED = {
    "text/html": "html",
    **{k: v for k, v in _GRAPH.items() if k != "text/plain"},
    RDFXML: "rdfxml",
}

#: The IRIs behind what the description shows by label: the entity's statements (with their
#: values' labels), the entities linking to it, the measures of its figures; on the graph with
#: what the ontology entails, whose sections show them too.
_LINKS = (
    PREFIXES
    + """SELECT ?dir ?p ?o ?pl ?ol WHERE {
    { ?entity ?p ?o . BIND("out" AS ?dir) OPTIONAL { ?o rdfs:label|skos:prefLabel ?ol } }
    UNION { ?o ?p ?entity . ?o rdfs:label ?ol . BIND("in" AS ?dir) }
    UNION { ?obs hkit:observedEntity ?entity ; hkit:measure ?o . ?o skos:prefLabel ?ol .
            BIND("measure" AS ?dir) BIND(hkit:measure AS ?p) }
    OPTIONAL { ?p rdfs:label ?pl } }"""
)
_TYPE = expand("rdf:type")
#: The entity's figures' observations, by their measure's label and their document: a figure's
#: source links to the sentence that states it when the pair names one observation.
_OBSERVATIONS = (
    PREFIXES
    + """SELECT ?obs ?m ?file WHERE { ?obs hkit:observedEntity ?entity ;
    hkit:measure/skos:prefLabel ?m ; prov:wasDerivedFrom/hkit:fileName ?file }"""
)


class Links:
    """The IRI behind each label an entity's description shows, and where each links to."""

    def __init__(self, rows: list[dict[str, Term]], classes: dict[str, str]) -> None:
        self.classes = classes
        self.found: list[dict[str, str]] = []
        self._by: dict[tuple[str, str, str], str] = {}
        for r in rows:
            p, o = r["p"].value, r["o"]
            plabel = r["pl"].value if "pl" in r else compact(p)
            self._by.setdefault(("property", "", plabel), p)
            if o.kind != "uri":
                continue
            olabel = r["ol"].value if "ol" in r else readable(o)
            what = "type" if p == _TYPE and r["dir"].value == "out" else r["dir"].value
            key = (what, "" if what in ("type", "measure") else plabel, olabel)
            if key not in self._by:
                self._by[key] = o.value
                self.found.append(
                    {"relation": what, "property": plabel, "label": olabel, "iri": o.value}
                )

    def _href(self, key: tuple[str, str, str]) -> str | None:
        found = self._by.get(key)
        return href(found, self.classes) if found else None

    def property(self, label: str) -> str | None:
        """Where a property shown by ``label`` links to (a compact name is its own IRI)."""
        return self._href(("property", "", label)) or href(expand(label), self.classes)

    def value(self, prop: str, label: str) -> str | None:
        """Where the value ``label`` of the property ``prop`` links to (None for a literal)."""
        return self._href(("out", prop, label))

    def source(self, prop: str, label: str) -> str | None:
        """Where the entity ``label`` that links here by ``prop`` links to."""
        return self._href(("in", prop, label))

    def type(self, label: str) -> str | None:
        """Where a type shown by ``label`` links to (a compact name is its own IRI)."""
        return self._href(("type", "", label)) or href(expand(label), self.classes)

    @staticmethod
    def counted(pairs: list[tuple[str, str]]) -> list[tuple[str, int]]:
        """The properties of ``pairs`` (property, entity), each once, with how many entities
        it links."""
        counts: dict[str, int] = {}
        for p, _ in pairs:
            counts[p] = counts.get(p, 0) + 1
        return list(counts.items())

    def measure(self, label: str) -> str | None:
        """Where a figure's measure links to."""
        return self._href(("measure", "", label))


def _links(server: Server, iri: str) -> Links:
    text = with_values(_LINKS, {"entity": [f"<{iri}>"]})
    result = server.kg.run(text, max_rows=server.max_rows, max_bytes=server.max_bytes)
    return Links(result.rows, server.classes)


def figure_sources(server: Server, iri: str, figures: list[tuple[str, str, str, str]]) -> list[str]:
    """Where each figure's source links to: its document's page, at the sentence that states
    the figure when the claims ledger ties the figure's observation to one sentence."""
    text = with_values(_OBSERVATIONS, {"entity": [f"<{iri}>"]})
    rows = server.kg.run(text, max_rows=server.max_rows, max_bytes=server.max_bytes).rows
    observed: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        observed.setdefault((r["m"].value, r["file"].value), set()).add(r["obs"].value)
    index = ledger_index(server)
    links = []
    for measure, _, _, file in figures:
        found = observed.get((measure, file), set())
        one = list(found) if len(found) == 1 else []  # two figures of a kind: which is which?
        links.append(source_link(file, index, one) or source_path(file))
    return links


def sentences(server: Server, iri: str) -> list[dict[str, Any]]:
    """The sentences of the sources that the claims ledger ties to the entity: each with its
    document's file name, its number there and the path of its place in the document."""
    name = compact(iri)
    found = []
    for file, rows in server.ledger.items():
        for number, row in enumerate(rows, start=1):
            if name in row.nodes:
                stem = file.removesuffix(".txt")
                found.append(
                    {
                        "source": file,
                        "number": number,
                        "sentence": row.sentence,
                        "path": f"/sources/{stem}#s{number}",
                    }
                )
    return found


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
    links = await server.call(_links, server, iri)
    figure_links = await server.call(figure_sources, server, iri, description.figures)
    first = description.types[0] if description.types else ""
    return {
        "d": description,
        "path": entity_path,
        "links": links,
        "article": article(first),
        "sentences": sentences(server, iri),
        "figure_sources": figure_links,
        "href": lambda iri: href(iri, server.classes),
        "source_path": source_path,
    }


def source_path(file: str) -> str:
    """The page of a source document, by its file name."""
    return "/sources/" + file.removesuffix(".txt")


def as_json(context: dict[str, Any]) -> dict[str, Any]:
    """The context as JSON: the description's fields, as ``hkit describe --format json``
    gives them; the IRI behind each label it shows (``links``: relation, property, label, IRI)
    the sentences of the sources tied to it (``sentences``), and where each figure's source
    links to (``figure_sources``, in the order of ``figures``)."""
    return {
        **dataclasses.asdict(context["d"]),
        "links": context["links"].found,
        "sentences": context["sentences"],
        "figure_sources": context["figure_sources"],
    }


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
        if wants == "rdfxml":
            return await _rdfxml(server, result)
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


async def _rdfxml(server: Server, result: Result) -> Response:
    """The description in RDF/XML: its Turtle, read and written again by rdflib."""

    def convert() -> bytes:
        import rdflib  # heavy: only for this format

        graph = rdflib.Graph().parse(data=render(result, "turtle"), format="turtle")
        data: bytes = graph.serialize(format="xml", encoding="utf-8")
        return data

    body: bytes = await server.call(convert)  # admitted as a query is
    if len(body) > server.max_bytes:
        raise Refused(413, f"the answer is larger than {server.max_bytes:,} bytes")
    return Response(body, media_type=RDFXML)
