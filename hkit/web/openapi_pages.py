"""The OpenAPI 3 description of the pages for browsing the graph: a class's page, the source
documents' list and each document's sentences (each with its JSON twin), and the ontology and
the shapes by content negotiation. :mod:`hkit.web.openapi` adds these paths to its document;
it passes its helpers in (``responses``, ``with_head``, ``twin``), so that neither module
imports the other."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: The schemas of these pages' JSON twins (loose: objects of the fields the templates are given).
SCHEMAS: dict[str, Any] = {
    "ClassPage": {
        "type": "object",
        "required": ["iri", "label", "superclasses", "subclasses", "asserted", "inferred"],
        "properties": {
            "iri": {"type": "string"},
            "label": {"type": "string"},
            "asserted": {"type": "array", "items": {"type": "object"}},
            "inferred": {"type": "array", "items": {"type": "object"}},
        },
    },
    "SourcesPage": {
        "type": "object",
        "required": ["documents"],
        "properties": {"documents": {"type": "array", "items": {"type": "object"}}},
    },
    "SourcePage": {
        "type": "object",
        "required": ["file", "label", "sentences"],
        "properties": {
            "file": {"type": "string"},
            "label": {"type": "string"},
            "sentences": {"type": "array", "items": {"type": "object"}},
        },
    },
}
SCHEMAS["QueryTable"] = {
    "description": "a saved query's answer as its page shows it: the person's table, sorted, "
    "faceted and cut to one page (rows of cells with their text and link)",
    "type": "object",
    "required": ["columns", "rows", "count", "total", "facets", "legend"],
    "properties": {
        "columns": {"type": "array", "items": {"type": "string"}},
        "rows": {"type": "array", "items": {"type": "array", "items": {"type": "object"}}},
        "count": {"type": "integer"},
        "total": {"type": "integer"},
        "next": {"type": "string", "nullable": True},
        "previous": {"type": "string", "nullable": True},
        "facets": {"type": "array", "items": {"type": "object"}},
        "legend": {"type": "array", "items": {"type": "string"}},
    },
}


def table_parameters(parameter: Callable[..., dict[str, Any]]) -> list[dict[str, Any]]:
    """The query page's controls of its answer (and its JSON twin's): sort, page, facets."""
    text = {"type": "string"}
    return [
        parameter("_sort", "query", "sort the answer by this column", text),
        parameter("_sort_desc", "query", "sort the answer by this column, descending", text),
        parameter(
            "_size",
            "query",
            "rows a page shows (100 unless given; at most 1,000)",
            {"type": "integer", "minimum": 1, "maximum": 1000},
        ),
        parameter(
            "_next", "query", "the row a page starts from (0 is the first)", {"type": "integer"}
        ),
        parameter(
            "_facet_{column}",
            "query",
            "keep the rows whose cell in the column reads this value (_facet_kind=company)",
            text,
        ),
    ]


#: The RDF syntaxes /ontology and /shapes answer in, beside their page.
RDF_MEDIA = ["text/turtle", "application/rdf+xml", "application/ld+json"]
#: JSON-LD's schema, of the document's components.
_JSON_LD = {"$ref": "#/components/schemas/JsonLd"}
#: What ``format`` may name for them.
RDF_NAMES = ["html", "turtle", "ttl", "xml", "rdfxml", "json-ld", "jsonld"]


def _name(description: str, example: str) -> dict[str, Any]:
    return {
        "name": "name",
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
        "example": example,
    }


def page_paths(
    responses: Callable[..., dict[str, Any]],
    with_head: Callable[[dict[str, Any]], dict[str, Any]],
    twin: Callable[..., dict[str, Any]],
) -> dict[str, Any]:
    """The path items of these routes, each page followed by its twin, with the helpers of
    :mod:`hkit.web.openapi`: ``responses(answers, errors, page=...)``, ``with_head(item)``,
    ``twin(page, schema, errors)``."""
    html = {"200": {"description": "the page", "content": {"text/html": {"schema": {}}}}}
    infer = {
        "name": "infer",
        "in": "query",
        "description": "false: the instances the documents give the class alone",
        "schema": {"type": "string", "enum": ["true", "false"], "default": "true"},
    }
    fmt = {
        "name": "format",
        "in": "query",
        "description": "the answer's format, instead of the Accept header",
        "schema": {"type": "string", "enum": RDF_NAMES},
    }
    rdf = {
        "200": {
            "description": "the graph in the syntax asked for (or the page)",
            "content": {
                m: {"schema": _JSON_LD if m == "application/ld+json" else {"type": "string"}}
                for m in ["text/html", *RDF_MEDIA]
            },
        }
    }

    def get(operation: str, summary: str, parameters: list[Any], answers: Any, errors: str):
        return with_head(
            {
                "get": {
                    "operationId": operation,
                    "summary": summary,
                    "tags": ["pages"],
                    **({"parameters": parameters} if parameters else {}),
                    "responses": responses(answers, errors, page=True),
                }
            }
        )

    pages = {
        "/classes/{name}": (
            get(
                "class_page",
                "A class of the ontology and its instances, asserted and inferred",
                [
                    _name("the class's local name, after the ontology's namespace", "University"),
                    infer,
                ],
                html,
                "400 404 413 503",
            ),
            "ClassPage",
        ),
        "/sources": (
            get(
                "sources_page",
                "The source documents, with how their sentences stand",
                [],
                html,
                "400 413 503",
            ),
            "SourcesPage",
        ),
        "/sources/{name}": (
            get(
                "source_page",
                "A source document sentence by sentence, each with the nodes that encode it "
                "or the reason it has none",
                [_name("the document's file name without .txt", "000_1039700805b26dd8")],
                html,
                "400 404 413 503",
            ),
            "SourcePage",
        ),
    }
    paths: dict[str, Any] = {}
    for path, (item, schema) in pages.items():
        paths[path] = item
        errors = " ".join(c for c in item["get"]["responses"] if c != "200")
        paths[path + ".json"] = twin(item, schema, errors)
    redirect = {
        "303": {
            "description": "a browser is sent to the ontology's documentation (Location)",
            "content": {"text/html": {"schema": {"type": "string"}}},
        }
    }
    paths["/ontology"] = get(
        "ontology",
        "The ontology: Turtle, RDF/XML or JSON-LD by the Accept header, else its documentation",
        [fmt],
        {**rdf, **redirect},
        "400 406",
    )
    paths["/shapes"] = get(
        "shapes",
        "The SHACL shapes: Turtle, RDF/XML or JSON-LD by the Accept header, else a page",
        [fmt],
        rdf,
        "400 406",
    )
    return paths
