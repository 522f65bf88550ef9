"""The OpenAPI 3 description of the pages for browsing the graph: a class's page, the source
documents' list and each document's sentences (each with its JSON twin), the ontology and the
shapes by content negotiation (and their JSON twins), the SPARQL editor's JSON twin and the
pages' static files. :mod:`hkit.web.openapi` adds these paths to its document;
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
SCHEMAS["OntologyPage"] = {
    "description": "the ontology's metadata and its terms (hkit's classes and properties), each "
    "with its label, definition, page and place in the documentation",
    "type": "object",
    "required": ["iri", "version", "classes", "properties"],
    "properties": {
        "iri": {"type": "string", "nullable": True},
        "version": {"type": "string", "nullable": True},
        "classes": {"type": "array", "items": {"type": "object"}},
        "properties": {"type": "array", "items": {"type": "object"}},
    },
}
SCHEMAS["ShapesPage"] = {
    "type": "object",
    "required": ["shapes"],
    "properties": {"shapes": {"type": "array", "items": {"type": "object"}}},
}
SCHEMAS["EditorPage"] = {
    "description": "the SPARQL editor's data: the prefixes it declares, the text it starts with, "
    "the terms it completes; with a query, its answer as the editor shows it (rows of cells with "
    "their text and link; ASK's boolean) and the links to download it from the endpoint",
    "type": "object",
    "required": ["prefixes", "example", "terms", "query", "answer", "downloads"],
    "properties": {
        "prefixes": {"type": "object", "additionalProperties": {"type": "string"}},
        "example": {"type": "string"},
        "terms": {"type": "array", "items": {"type": "string"}},
        "query": {"type": "string", "nullable": True},
        "answer": {"type": "object", "nullable": True},
        "downloads": {"type": "array", "items": {"type": "object"}},
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
        # each citation key's source and where it links (a cell of keys has its own "keys")
        "cited": {"type": "array", "items": {"type": "object"}},
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
    paths["/ontology.json"] = twin(paths["/ontology"], "OntologyPage", "400 413 503")
    paths["/shapes"] = get(
        "shapes",
        "The SHACL shapes: Turtle, RDF/XML or JSON-LD by the Accept header, else a page",
        [fmt],
        rdf,
        "400 406",
    )
    paths["/shapes.json"] = twin(paths["/shapes"], "ShapesPage", "400 413 503")
    paths["/sparql.json"] = editor_paths(responses, with_head)
    paths["/static/{path}"] = with_head(
        {
            "get": {
                "operationId": "static_file",
                "summary": "The pages' static files: the SPARQL editor's scripts and their "
                "licences (kept a day; each answer has an ETag)",
                "tags": ["pages"],
                "parameters": [
                    {
                        "name": "path",
                        "in": "path",
                        "required": True,
                        "description": "a file",
                        "schema": {"type": "string"},
                        "example": "editor.js",
                    }
                ],
                "responses": responses(
                    {"200": {"description": "the file", "content": {"*/*": {"schema": {}}}}},
                    "400 404",
                    page=True,
                ),
            }
        }
    )
    return paths


def editor_paths(
    responses: Callable[..., dict[str, Any]],
    with_head: Callable[[dict[str, Any]], dict[str, Any]],
) -> dict[str, Any]:
    """The path item of the SPARQL editor's JSON twin, ``/sparql.json``: a query by GET or by a
    form POST, as the endpoint takes it."""
    answer = {
        "200": {
            "description": "the editor's data, with the query's answer when one is given",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/EditorPage"}}
            },
        }
    }
    infer = {
        "name": "infer",
        "in": "query",
        "description": "false: the asserted triples alone, without what the ontology entails",
        "schema": {"type": "string", "enum": ["true", "false"], "default": "true"},
    }
    query = {
        "name": "query",
        "in": "query",
        "description": "a SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE); none: the editor's "
        "data alone",
        "schema": {"type": "string"},
        "example": "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 3",
    }
    form = {
        "type": "object",
        "required": ["query"],
        "properties": {
            "query": {"type": "string", "example": query["example"]},
            "infer": {"type": "string", "enum": ["true", "false"]},
        },
    }
    return with_head(
        {
            "get": {
                "operationId": "sparql_editor_json",
                "summary": "The SPARQL editor's data, and a query's answer as the editor shows it",
                "tags": ["pages"],
                "parameters": [query, infer],
                "responses": responses(answer, "400 403 413 503"),
            },
            "post": {
                "operationId": "sparql_editor_json_post",
                "summary": "A query's answer as the SPARQL editor shows it: the query by POST",
                "tags": ["pages"],
                "parameters": [infer],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/x-www-form-urlencoded": {"schema": form},
                        "application/sparql-query": {"schema": {"type": "string"}},
                    },
                },
                "responses": responses(
                    answer,
                    "400 403 408 413 415 503",
                    e403="an update, or a POST from another origin than the server's own",
                ),
            },
        }
    )
