"""The source documents as the claims ledger (``data/claims.tsv``) holds them: ``/sources``, the
list of documents with how their sentences stand, and ``/sources/{name}`` (``name``, the file
name without ``.txt``), a document's text sentence by sentence, each linked to the nodes that
encode it or showing why it has none, and anchored (``#s12``) so that an entity's page can link
to the sentences that state its facts. Each with a JSON twin, its path with ``.json``."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hkit.core.sparql import with_values
from hkit.core.vocab import PREFIXES, PROLOGUE
from hkit.present.sources import source_labels
from hkit.quality.ledger import NOT_ENCODED, parse_reason
from hkit.web.errors import Refused
from hkit.web.server import Server
from hkit.web.views import SLUG, href, server_of

#: The documents' nodes by file name.
_DOCUMENTS = PROLOGUE + "SELECT ?file ?doc WHERE { ?doc hkit:fileName ?file }"
#: The labels of a document's nodes.
_LABELS = (
    PROLOGUE
    + "SELECT ?s (SAMPLE(?l) AS ?label) WHERE { ?s rdfs:label|skos:prefLabel ?l } GROUP BY ?s"
)


def _file(server: Server, name: str) -> str:
    """The file name of the document ``name``; a 404 when the ledger has none of that name."""
    file = name + ".txt"
    if not SLUG.fullmatch(name) or file not in server.ledger:
        raise Refused(404, f"no source document is called {name}")
    return file


async def _documents(server: Server) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """The documents' nodes and their labels and dates, by file name."""
    nodes = {r["file"].value: r["doc"].value for r in (await server.run(_DOCUMENTS)).rows}
    labels = await server.call(source_labels, server.kg.engine, server.kg.timeout)
    return nodes, labels


def _counts(rows: list[Any]) -> dict[str, int]:
    """How many sentences a document has, how many have nodes, and how many a reason alone."""
    encoded = sum(1 for r in rows if r.nodes)
    return {"sentences": len(rows), "encoded": encoded, "left_out": len(rows) - encoded}


def _repeats(reason: str) -> int | None:
    """The sentence a reason says this one repeats (``repeat of sentence N``), else None."""
    try:
        return parse_reason(reason).number if reason else None
    except ValueError:
        return None  # not a reason of the list: the ledger gate reports it


async def list_context(server: Server) -> dict[str, Any]:
    """What the list's template is given: each document of the ledger (its name, file name,
    label, date, node and page) with its counts."""
    nodes, labels = await _documents(server)
    documents = []
    for file, rows in sorted(server.ledger.items()):
        label, when = labels.get(file, (file, "undated"))
        node = nodes.get(file)
        documents.append(
            {
                "stem": file.removesuffix(".txt"),
                "file": file,
                "label": label,
                "date": when,
                "iri": node,
                "node_path": href(node, server.classes) if node else None,
                "path": "/sources/" + file.removesuffix(".txt"),
                **_counts(rows),
            }
        )
    return {"documents": documents}


async def context(server: Server, file: str) -> dict[str, Any]:
    """What a document's template is given: its label, date and node, its counts, and its
    sentences in order, each with its number, its anchor, its text, and its nodes (compact
    name, label, IRI and path) or the reason it has none."""
    rows = server.ledger[file]
    nodes, labels = await _documents(server)
    names = sorted({n for r in rows for n in r.nodes})
    iris = {
        n: PREFIXES[n.partition(":")[0]] + n.partition(":")[2]
        for n in names
        if n.partition(":")[0] in PREFIXES
    }
    found = {}
    if iris:
        text = with_values(_LABELS, {"s": [f"<{i}>" for i in sorted(set(iris.values()))]})
        found = {r["s"].value: r["label"].value for r in (await server.run(text)).rows}
    sentences = []
    for number, row in enumerate(rows, start=1):
        linked = [
            {
                "name": n,
                "label": found.get(iris.get(n, ""), n),
                "iri": iris.get(n),
                "path": href(iris[n], server.classes) if n in iris else None,
            }
            for n in row.nodes
        ]
        sentences.append(
            {
                "number": number,
                "anchor": f"s{number}",
                "text": row.sentence,
                "nodes": linked,
                "reason": row.reason or None,
                "not_encoded": row.reason.startswith(NOT_ENCODED),
                "repeats": _repeats(row.reason),
            }
        )
    label, when = labels.get(file, (file, "undated"))
    node = nodes.get(file)
    return {
        "stem": file.removesuffix(".txt"),
        "file": file,
        "label": label,
        "date": when,
        "iri": node,
        "node_path": href(node, server.classes) if node else None,
        **_counts(rows),
        "sentences": sentences,
    }


async def list_page(request: Request) -> Response:
    """The list of source documents."""
    server = server_of(request)
    return server.page("sources", **await list_context(server))


async def list_data(request: Request) -> Response:
    """The list of source documents, as JSON."""
    return JSONResponse(await list_context(server_of(request)))


async def page(request: Request) -> Response:
    """A source document, sentence by sentence."""
    server = server_of(request)
    file = _file(server, request.path_params["name"])
    return server.page("source", **await context(server, file))


async def data(request: Request) -> Response:
    """A source document's sentences, as JSON."""
    server = server_of(request)
    file = _file(server, request.path_params["name"])
    return JSONResponse(await context(server, file))
