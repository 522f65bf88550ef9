"""The OpenAPI 3 description of ``hkit serve``: every route the router serves (the SPARQL
endpoint, the saved-query API, the pages and their JSON twins, the ontology's documentation),
each operation with its parameters, the statuses it can answer and their media types and
schemas, and one path per saved query with its typed parameters, from the queries' headers (as
grlc makes one from a folder of queries). A test compares it with the router's routes, and
Schemathesis fuzzes the server from it.
"""

from __future__ import annotations

import re
from typing import Any

from hkit.api import KnowledgeGraph
from hkit.core.formats import ANSWERS, GRAPH, served
from hkit.core.version import __version__
from hkit.core.vocab import ID
from hkit.web import openapi_pages

#: What each error status of the API and the pages means, as the OpenAPI document describes it.
_STATUS_MEANINGS = {
    "400": "a bad request: a parameter that is unknown, missing or of the wrong type, a query "
    "that does not parse or is not read-only, a format not offered, or a Host header that does "
    "not name this server",
    "403": "an update, or a POST from another origin than the server's own (or --cors)",
    "404": "no such saved query, entity or page",
    "406": "none of the types the Accept header asks for is offered",
    "408": "the request's body did not arrive within the request timeout",
    "413": "the request, or its answer, is larger than the server allows",
    "415": "a POST body that is neither form-encoded nor application/sparql-query",
    "503": "the server is running as many queries as it may, or the query ran out of time",
}
#: The media types of answers to SELECT and ASK queries, and to CONSTRUCT and DESCRIBE ones.
_TABULAR_MEDIA = [f.media_type.split(";")[0] for f in served(ANSWERS)]
_GRAPH_MEDIA = [f.media_type.split(";")[0] for f in served(GRAPH)]
#: The names ``?format=`` takes for each, and those for people (which answer a graph in Turtle).
_TABULAR_NAMES = [f.name for f in served(ANSWERS)]
_GRAPH_NAMES = [f.name for f in served(GRAPH)]
_PEOPLE_NAMES = [f.name for f in served(ANSWERS) if f.people]
_REF = "#/components/schemas/"
_TEXT: dict[str, Any] = {"type": "string"}
_TEXTS: dict[str, Any] = {"type": "array", "items": _TEXT}
_NULLABLE_TEXT: dict[str, Any] = {"type": "string", "nullable": True}


def _tuples(size: int, *kinds: str) -> dict[str, Any]:
    """An array of arrays of ``size`` items, each of one of ``kinds`` (an OpenAPI 3.0 tuple)."""
    item = {"anyOf": [{"type": k} for k in kinds]} if len(kinds) > 1 else {"type": kinds[0]}
    return {
        "type": "array",
        "items": {"type": "array", "items": item, "minItems": size, "maxItems": size},
    }


def _object(**properties: dict[str, Any]) -> dict[str, Any]:
    """A JSON object with ``properties``, all of them required."""
    return {"type": "object", "required": list(properties), "properties": properties}


#: The schemas of the pages' JSON twins: the data each page's template is given.
_PAGE_SCHEMAS: dict[str, Any] = {
    "HomePage": _object(
        stats=_object(
            triples={"type": "integer"},
            # null when the server leaves out what the ontology entails (--asserted)
            inferred={"type": "integer", "nullable": True},
            per_class={  # class, asserted, entailed (null likewise)
                "type": "array",
                "items": {
                    "type": "array",
                    "items": {"anyOf": [_TEXT, {"type": "integer", "nullable": True}]},
                    "minItems": 3,
                    "maxItems": 3,
                },
            },
            per_source=_tuples(2, "string", "integer"),
        ),
        by_tag={
            "type": "object",
            "additionalProperties": {
                "type": "array",
                "items": _object(name=_TEXT, summary=_TEXT, path=_TEXT),
            },
        },
        class_paths={"type": "object", "additionalProperties": _TEXT},
    ),
    "SearchPage": _object(
        text=_TEXT,
        found={"type": "array", "items": _object(label=_TEXT, iri=_TEXT, path=_NULLABLE_TEXT)},
    ),
    "EntityPage": _object(
        iri=_TEXT,
        label=_TEXT,
        types=_TEXTS,
        alt_labels=_TEXTS,
        notes=_tuples(2, "string"),
        outgoing=_tuples(2, "string"),
        incoming=_tuples(2, "string"),
        figures=_tuples(4, "string"),
        sources=_TEXTS,
        source_names={"type": "object", "additionalProperties": _TEXT},
        source_labels={"type": "object", "additionalProperties": _TEXT},
        # what the ontology entails and no document states; null when the server leaves it out
        inferred={
            **_object(types=_TEXTS, outgoing=_tuples(2, "string"), incoming=_tuples(2, "string")),
            "nullable": True,
        },
        # the IRI behind each label shown, and the sentences of the sources tied to it
        links={
            "type": "array",
            "items": _object(relation=_TEXT, property=_TEXT, label=_TEXT, iri=_TEXT),
        },
        sentences={
            "type": "array",
            "items": _object(source=_TEXT, number={"type": "integer"}, sentence=_TEXT, path=_TEXT),
        },
        figure_sources=_TEXTS,  # where each figure's source links (its sentence when known)
    ),
    "QueryPage": _object(
        saved={"allOf": [{"$ref": _REF + "SavedQuery"}, _object(text=_TEXT)]},
        given={"type": "object", "additionalProperties": _TEXT},
        table={"allOf": [{"$ref": _REF + "QueryTable"}], "nullable": True},
        notes=_TEXTS,
        downloads={"type": "array", "items": _object(format=_TEXT, href=_TEXT)},
    ),
}
#: The JSON bodies' schemas, and text's; the ``components`` of the OpenAPI document.
_OPENAPI_SCHEMAS: dict[str, Any] = {
    "Text": {"type": "string"},
    "SparqlResults": {
        "description": "SPARQL 1.1 Query Results JSON: the rows of a SELECT, or an ASK's boolean",
        "type": "object",
        "required": ["head"],
        "properties": {
            "head": {
                "type": "object",
                "properties": {"vars": {"type": "array", "items": {"type": "string"}}},
            },
            "results": {
                "type": "object",
                "required": ["bindings"],
                "properties": {
                    "bindings": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": {"$ref": _REF + "RdfTerm"},
                        },
                    }
                },
            },
            "boolean": {"type": "boolean"},
        },
    },
    "RdfTerm": {
        "type": "object",
        "required": ["type", "value"],
        "properties": {
            "type": {"type": "string", "enum": ["uri", "literal", "bnode"]},
            "value": {"type": "string"},
            "xml:lang": {"type": "string"},
            "datatype": {"type": "string"},
        },
    },
    "JsonLd": {
        "description": "JSON-LD: the triples of a CONSTRUCT or DESCRIBE answer",
        "anyOf": [{"type": "object"}, {"type": "array", "items": {"type": "object"}}],
    },
    "SavedQuery": {
        "type": "object",
        "required": ["name", "summary", "description", "tags", "params", "examples"],
        "properties": {
            "name": {"type": "string"},
            "summary": {"type": "string"},
            "description": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "params": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "type", "required", "default", "allowed", "multi"],
                    "properties": {
                        "name": {"type": "string"},
                        "type": {"type": "string"},
                        "required": {"type": "boolean"},
                        "default": {"type": "string", "nullable": True},
                        "allowed": {"type": "array", "items": {"type": "string"}},
                        "multi": {"type": "boolean"},
                    },
                },
            },
            "examples": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": {
                        "anyOf": [
                            {"type": "string"},
                            {"type": "array", "items": {"type": "string"}},
                        ]
                    },
                },
            },
        },
    },
    **_PAGE_SCHEMAS,
    "OpenApiDocument": {
        "type": "object",
        "required": ["openapi", "info", "paths"],
        "properties": {"openapi": {"type": "string"}, "paths": {"type": "object"}},
    },
}


def _content(media_types: list[str]) -> dict[str, Any]:
    """The ``content`` of a response in ``media_types``: JSON ones with their schema, the others
    text."""
    by_type = {"application/sparql-results+json": "SparqlResults", "application/ld+json": "JsonLd"}
    return {m: {"schema": {"$ref": _REF + by_type.get(m, "Text")}} for m in media_types}


def _responses(
    answers: dict[str, Any], errors: str, *, page: bool = False, **meanings: str
) -> dict[str, Any]:
    """An operation's ``responses``: ``answers`` (status -> response object), and the error
    ``errors`` (statuses, space-separated) with their meanings (or those of ``meanings``, keyed
    ``e404``). Errors are plain text under /sparql and /api/, pages elsewhere (except the
    refusal of a foreign Host, plain text everywhere)."""
    content = _content(["text/html", "text/plain"] if page else ["text/plain"])
    return {
        **answers,
        **{
            code: {
                "description": meanings.get(f"e{code}", _STATUS_MEANINGS[code]),
                "content": content,
            }
            for code in errors.split()
        },
    }


def _with_head(path_item: dict[str, Any]) -> dict[str, Any]:
    """``path_item`` with a HEAD operation beside its GET (Starlette answers HEAD wherever it
    answers GET): the same, but no body."""
    get = path_item["get"]
    head = {
        **get,
        "operationId": "head_" + get["operationId"],
        "summary": f"{get['summary']} (headers only)",
        "responses": {
            code: {"description": r["description"]} for code, r in get["responses"].items()
        },
    }
    return {**path_item, "head": head}


def _twin(page: dict[str, Any], schema: str, errors: str, *also: str) -> dict[str, Any]:
    """The path item of a page's JSON twin, its path with ``.json``: the page's operation, its
    ``format`` parameter aside, answering the data the page's template is given as JSON
    (``schema``), its errors as text; ``also``, the page's media types, where the twin of a
    name ending in ``.json`` may be that name's page (its errors then a page too)."""
    get = page["get"]
    parameters = [p for p in get.get("parameters", []) if p["name"] != "format"]
    json_answer = {"application/json": {"schema": {"$ref": _REF + schema}}}
    described = "the page's data"
    if also:
        described += " (or the page of a name that itself ends in .json, when the name without "
        described += "it names nothing)"
    answers = {
        "200": {"description": described, "content": {**json_answer, **_content(list(also))}}
    }
    operation = {
        "operationId": get["operationId"] + "_json",
        "summary": f"{get['summary']}: the page's data, as JSON",
        "tags": ["pages"],
        **({"parameters": parameters} if parameters else {}),
        "responses": _responses(answers, errors, page=bool(also)),
    }
    return _with_head({"get": operation})


def _parameter(
    name: str, where: str, description: str, schema: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    return {"name": name, "in": where, "description": description, "schema": schema, **extra}


def openapi_document(kg: KnowledgeGraph, base: str) -> dict[str, Any]:
    """An OpenAPI 3 description of everything the server serves: the saved-query API, one path
    per query from the queries' headers (as grlc makes one from a folder of queries), the
    SPARQL endpoint, the pages and the ontology's documentation. Every path, method, parameter,
    status and media type a route answers with is described, so that a fuzzer working from this
    document reaches every route (tests/test_serve_fuzz.py checks both)."""
    queries = list(kg.queries.values())
    format_param = _parameter(
        "format",
        "query",
        "the answer's format, instead of the Accept header",
        {"type": "string", "enum": list(_TABULAR_NAMES)},
    )
    query_answers = {
        "200": {"description": "the rows, as SPARQL results", "content": _content(_TABULAR_MEDIA)}
    }
    paths: dict[str, Any] = {}
    for q in queries:
        parameters = []
        for p in q.params:
            example = [p.default] if p.default is not None else _example_value(q, p.name)
            parameters.append(
                {
                    "name": p.name,
                    "in": "query",
                    "required": p.required,
                    "description": f"{p.type}; repeat it to bind several values",
                    "schema": {
                        "type": "array",
                        "items": {
                            "type": "string",
                            **({"enum": list(p.allowed)} if p.allowed else {}),
                        },
                    },
                    "style": "form",
                    "explode": True,
                    **({"example": example} if example is not None else {}),
                }
            )
        parameters.append(format_param)
        paths[f"/api/queries/{q.name}"] = _with_head(
            {
                "get": {
                    "operationId": re.sub(r"[^A-Za-z0-9]", "_", q.name),
                    "summary": q.summary,
                    "description": q.description,
                    "tags": q.tags,
                    "parameters": parameters,
                    "responses": _responses(
                        query_answers,
                        "400 406 413 503",
                        e400="a parameter is missing, unknown or of the wrong type",
                    ),
                }
            }
        )
    name_example = queries[0].name if queries else "funds-by-size"
    html = {"200": {"description": "the page", "content": _content(["text/html"])}}
    page_errors = "400 413 503"
    graph_formats = _TABULAR_NAMES + _GRAPH_NAMES
    protocol_params = [
        *(
            _parameter(
                name,
                "query",
                "not supported (the endpoint serves one graph): refused with 400",
                {"type": "array", "items": {"type": "string"}},
                style="form",
                explode=True,
            )
            for name in ("default-graph-uri", "named-graph-uri")
        ),
        _parameter(
            "format",
            "query",
            "the answer's format, instead of the Accept header (md and table answer a "
            "CONSTRUCT in Turtle)",
            {"type": "string", "enum": graph_formats},
        ),
        _parameter(
            "infer",
            "query",
            "false: the asserted triples alone, without what the ontology entails (which "
            "the graph https://w3id.org/hkit/inferred holds)",
            {"type": "string", "enum": ["true", "false"], "default": "true"},
        ),
    ]
    sparql_answers = {
        "200": {
            "description": "the answer: SPARQL results for SELECT and ASK, RDF for CONSTRUCT "
            "and DESCRIBE; a GET without parameters answers the service description (Turtle), "
            "or to a browser the SPARQL editor's page",
            "content": _content(_TABULAR_MEDIA + _GRAPH_MEDIA),
        }
    }
    # a GET without parameters from a browser (Accept preferring HTML) answers the editor's page
    sparql_get = {"200": {**sparql_answers["200"], "content": _content([*_TABULAR_MEDIA,
        *_GRAPH_MEDIA, "text/html"])}}  # fmt: skip
    example_query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 3"
    paths.update(
        {
            "/": _with_head(
                {
                    "get": {
                        "operationId": "home_page",
                        "summary": "The home page: the graph's statistics and the saved queries",
                        "tags": ["pages"],
                        "responses": _responses(html, page_errors, page=True),
                    }
                }
            ),
            "/search": _with_head(
                {
                    "get": {
                        "operationId": "search_page",
                        "summary": "Entities whose label or IRI matches a text",
                        "tags": ["pages"],
                        "parameters": [
                            _parameter("q", "query", "the text to look for", {"type": "string"})
                        ],
                        "responses": _responses(html, page_errors, page=True),
                    }
                }
            ),
            "/sparql": _with_head(
                {
                    "get": {
                        "operationId": "sparql_get",
                        "summary": "The SPARQL 1.1 Protocol endpoint (read-only)",
                        "tags": ["sparql"],
                        "parameters": [
                            _parameter(
                                "query",
                                "query",
                                "a SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE)",
                                {"type": "string"},
                                example=example_query,
                            ),
                            *protocol_params,
                        ],
                        "responses": _responses(sparql_get, "400 403 406 413 503"),
                    },
                    "post": {
                        "operationId": "sparql_post",
                        "summary": "The SPARQL 1.1 Protocol endpoint (read-only): a query by POST",
                        "tags": ["sparql"],
                        "parameters": protocol_params,
                        "requestBody": {
                            "required": True,
                            "content": {
                                "application/x-www-form-urlencoded": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["query"],
                                        "properties": {
                                            "query": {"type": "string", "example": example_query},
                                            "format": {"type": "string", "enum": graph_formats},
                                            "infer": {"type": "string", "enum": ["true", "false"]},
                                        },
                                    }
                                },
                                "application/sparql-query": {
                                    "schema": {"type": "string", "example": example_query}
                                },
                            },
                        },
                        "responses": _responses(
                            sparql_answers,
                            "400 403 406 408 413 415 503",
                            e403="an update, or a POST from another origin than the server's "
                            "own (or --cors)",
                        ),
                    },
                }
            ),
            "/api/queries": _with_head(
                {
                    "get": {
                        "operationId": "list_queries",
                        "summary": "The saved queries, with their parameters "
                        "(as hkit queries --format json lists them)",
                        "tags": ["api"],
                        "responses": _responses(
                            {
                                "200": {
                                    "description": "the saved queries",
                                    "content": {
                                        "application/json": {
                                            "schema": {
                                                "type": "array",
                                                "items": {"$ref": _REF + "SavedQuery"},
                                            }
                                        }
                                    },
                                }
                            },
                            "400",
                        ),
                    }
                }
            ),
            "/api/openapi.json": _with_head(
                {
                    "get": {
                        "operationId": "openapi_document",
                        "summary": "This description",
                        "tags": ["api"],
                        "responses": _responses(
                            {
                                "200": {
                                    "description": "an OpenAPI 3 document",
                                    "content": {
                                        "application/json": {
                                            "schema": {"$ref": _REF + "OpenApiDocument"}
                                        }
                                    },
                                }
                            },
                            "400",
                        ),
                    }
                }
            ),
            "/api/queries/{name}": _with_head(
                {
                    "get": {
                        "operationId": "run_saved_query",
                        "summary": "Any saved query by name, its parameters as query parameters "
                        "(each query's own path above describes them)",
                        "tags": ["api"],
                        "parameters": [
                            _parameter(
                                "name",
                                "path",
                                "the saved query's name",
                                {"type": "string"},
                                required=True,
                                example=name_example,
                            ),
                            format_param,
                        ],
                        "responses": _responses(query_answers, "400 404 406 413 503"),
                    }
                }
            ),
            "/queries/{name}": _with_head(
                {
                    "get": {
                        "operationId": "saved_query_page",
                        "summary": "A saved query's page; with run (or any of its parameters), "
                        "its answer as a table",
                        "tags": ["pages"],
                        "parameters": [
                            _parameter(
                                "name",
                                "path",
                                "the saved query's name",
                                {"type": "string"},
                                required=True,
                                example=name_example,
                            ),
                            _parameter(
                                "run",
                                "query",
                                "run the query (with its defaults) and show the answer",
                                {"type": "string"},
                            ),
                            *openapi_pages.table_parameters(_parameter),
                        ],
                        "responses": _responses(html, "400 404 413 503", page=True),
                    }
                }
            ),
            "/id/{name}": _with_head(
                {
                    "get": {
                        "operationId": "entity_page",
                        "summary": "An entity of the graph: its page, or its description in RDF "
                        "when the Accept header or format asks for it",
                        "tags": ["pages"],
                        "parameters": [
                            _parameter(
                                "name",
                                "path",
                                "the entity's local name, after " + ID,
                                {"type": "string"},
                                required=True,
                                example="hkust",
                            ),
                            _parameter(
                                "format",
                                "query",
                                "the answer's format, instead of the Accept header (md and "
                                "table answer in Turtle)",
                                {
                                    "type": "string",
                                    "enum": ["html", *_GRAPH_NAMES, "rdfxml", *_PEOPLE_NAMES],
                                },
                            ),
                        ],
                        "responses": _responses(
                            {
                                "200": {
                                    "description": "the entity's page, or its description",
                                    "content": _content(
                                        ["text/html", *_GRAPH_MEDIA, "application/rdf+xml"]
                                    ),
                                }
                            },
                            "400 404 406 413 503",
                            page=True,
                        ),
                    }
                }
            ),
            "/ontology/{path}": _with_head(
                {
                    "get": {
                        "operationId": "ontology_docs",
                        "summary": "The ontology's documentation: its pages, diagram and Turtle "
                        "(an empty path is its index page)",
                        "tags": ["pages"],
                        "parameters": [
                            _parameter(
                                "path",
                                "path",
                                "a file of the documentation",
                                {"type": "string"},
                                required=True,
                                example="index.html",
                            )
                        ],
                        "responses": _responses(
                            {
                                "200": {
                                    "description": "the file",
                                    "content": {"*/*": {"schema": {"type": "string"}}},
                                }
                            },
                            "400 404",
                            page=True,
                        ),
                    }
                }
            ),
        }
    )

    # each page's JSON twin follows the page
    twins = {
        "/": _twin(paths["/"], "HomePage", page_errors),
        "/search": _twin(paths["/search"], "SearchPage", page_errors),
        "/queries/{name}": _twin(
            paths["/queries/{name}"], "QueryPage", "400 404 413 503", "text/html"
        ),
        "/id/{name}": _twin(
            paths["/id/{name}"],
            "EntityPage",
            "400 404 406 413 503",
            "text/html",
            *_GRAPH_MEDIA,
            "application/rdf+xml",
        ),
    }
    ordered: dict[str, Any] = {}
    for path, item in paths.items():
        ordered[path] = item
        if path in twins:
            ordered[path + ".json"] = twins[path]
    ordered.update(openapi_pages.page_paths(_responses, _with_head, _twin))

    return {
        "openapi": "3.0.3",
        "info": {
            "title": "hkit serve",
            "version": __version__,
            "description": "The saved queries of hkit, a knowledge graph of Hong Kong's "
            "innovation and technology ecosystem, each with typed parameters; its SPARQL "
            "endpoint; and its pages.",
        },
        "servers": [{"url": base}],
        "paths": ordered,
        "components": {"schemas": {**_OPENAPI_SCHEMAS, **openapi_pages.SCHEMAS}},
    }


def _example_value(query: Any, name: str) -> list[str] | None:
    """The values that the first of ``query``'s examples giving ``name`` gives it."""
    for example in query.examples:
        if example.get(name):
            return list(example[name])
    return None
