"""The SPARQL editor: the page a browser gets at ``/sparql`` (a GET with no query whose ``Accept``
header prefers HTML; every other request there is the SPARQL 1.1 Protocol's), and its JSON twin
``/sparql.json``, which runs a query given as the endpoint takes it and answers the table the
page shows: each IRI with the link it has on every page (:func:`hkit.web.links.href`).

The page is an editor (CodeMirror 6 with its SPARQL mode, served from the package under
``/static/``: no page loads anything from outside) whose text starts with the prefixes the saved
queries use; its script (``hkit/web/static/editor.js``) posts the query to the twin, shows the
answer as a table with links, and links to the same answer in CSV, TSV, JSON and XML (or a graph
answer in Turtle, N-Triples and JSON-LD) from the endpoint.
"""

from __future__ import annotations

import functools
import hashlib
import re
import urllib.parse
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from hkit.core.answers import Result
from hkit.core.errors import HkitError
from hkit.core.formats import GRAPH_FORMS
from hkit.core.vocab import HKIT, PREFIXES, PROLOGUE, compact
from hkit.web.errors import Refused
from hkit.web.grid import cells
from hkit.web.negotiation import negotiate
from hkit.web.server import Server
from hkit.web.views import server_of

#: The package's static files, served at /static/.
STATIC = Path(__file__).resolve().parent.parent / "static"
#: The files the page loads, below STATIC.
SCRIPTS = ("vendor/codemirror/codemirror.min.js", "editor.js")
#: What a GET of /sparql with no query answers in: the editor for a browser, the service
#: description (Turtle) for any other Accept header, or none.
OFFERED = {
    "text/turtle": "description",
    "text/html": "editor",
    "application/xhtml+xml": "editor",
}
#: The formats the page links to the answer in, from the endpoint.
DOWNLOADS = ("csv", "tsv", "json", "xml")
GRAPH_DOWNLOADS = ("turtle", "ntriples", "jsonld")
#: hkit's own prefixes, declared whichever the saved queries use.
OWN = ("id", "hkit")
#: The query the editor starts with, after the prefixes.
EXAMPLE = """\
# The universities of the graph and where each is based; Ctrl+Enter runs the query.
SELECT ?university ?name ?place WHERE {
  ?university a hkit:University ;
              rdfs:label ?name .
  OPTIONAL { ?university hkit:basedIn ?place }
}
ORDER BY STR(?name)
LIMIT 100
"""
#: A prefix declaration in a saved query's text.
_PREFIX = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:\s*<", re.IGNORECASE)
#: The terms of hkit's ontology that the editor completes (classes and properties).
_TERMS = (
    PROLOGUE
    + "SELECT DISTINCT ?t WHERE { VALUES ?kind { owl:Class owl:ObjectProperty "
    + "owl:DatatypeProperty owl:AnnotationProperty } ?t a ?kind . "
    + f'FILTER(STRSTARTS(STR(?t), "{HKIT}")) }} ORDER BY ?t'
)
#: The page's own resources only: nothing is loaded from, or sent to, another origin.
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def wants_editor(request: Request) -> bool:
    """Whether a GET of /sparql with no query is a browser's, which gets the editor: its Accept
    header prefers HTML to Turtle. Any other header, or none, gets the service description."""
    accept = request.headers.get("accept")
    if not accept:
        return False
    try:
        return negotiate(accept, OFFERED) == "editor"
    except Refused:  # a header that accepts neither: the description, as before the editor
        return False


@functools.cache
def fingerprint(path: str) -> str:
    """A short hash of a static file's content, which its URL carries so that a browser's cached
    copy is not used once the file changes."""
    return hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:12]


def prefixes(server: Server) -> dict[str, str]:
    """The prefixes the editor declares: hkit's own and every one the saved queries declare, in
    the order of hkit's table of namespaces."""
    if "editor:prefixes" not in server.made:
        used = set(OWN)
        for saved in server.kg.queries.values():
            used.update(match.group(1) or "" for match in _PREFIX.finditer(saved.text))
        server.made["editor:prefixes"] = {p: ns for p, ns in PREFIXES.items() if p in used}
    found: dict[str, str] = server.made["editor:prefixes"]
    return found


def _terms(server: Server) -> list[str]:
    rows = server.kg.run(_TERMS, inferred=False).rows
    return [compact(r["t"].value) for r in rows]


def table(result: Result, classes: dict[str, str]) -> dict[str, Any]:
    """An answer as the page shows it: its form, its columns, which are numbers, its rows of
    cells (text and link), how many; ASK's boolean. A graph answer is a table of its triples."""
    if result.form == "ASK":
        return {"form": "ASK", "boolean": result.boolean, "columns": [], "numeric": []}
    if result.form in GRAPH_FORMS:
        names = ("subject", "predicate", "object")
        rows = [dict(zip(names, triple, strict=True)) for triple in result.triples]
        grid = cells(Result("SELECT", list(names), rows), classes)
    else:
        grid = cells(result, classes)
    return {
        "form": result.form,
        "boolean": None,
        "columns": grid["columns"],
        "numeric": grid["numeric"],
        "count": len(grid["rows"]),
        "rows": [[{"text": c.text, "link": c.link} for c in row] for row in grid["rows"]],
    }


def downloads(query: str, form: str, infer: bool) -> list[dict[str, str]]:
    """The links to the same answer from the endpoint, one per format of the answer's form."""
    formats = GRAPH_DOWNLOADS if form in GRAPH_FORMS else DOWNLOADS
    kept = [] if infer else [("infer", "false")]
    return [
        {
            "format": f,
            "href": "/sparql?" + urllib.parse.urlencode([("query", query), ("format", f), *kept]),
        }
        for f in formats
    ]


async def context(
    server: Server, query: str | None = None, infer: bool = True, base: str | None = None
) -> dict[str, Any]:
    """What the page's template is given, and its twin answers: the prefixes it declares, the
    text the editor starts with, the terms it completes; with ``query``, the query's answer as a
    table (relative IRIs resolved against ``base``) and the links to download it. A query that
    is not valid read-only SPARQL is a 400."""
    declared = prefixes(server)
    if "editor:terms" not in server.made:
        server.made["editor:terms"] = await server.call(_terms, server)
    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in declared.items())
    found: dict[str, Any] = {
        "prefixes": declared,
        "example": prologue + "\n" + EXAMPLE,
        "terms": server.made["editor:terms"],
        "endpoint": "/sparql",
        "query": query,
        "infer": infer,
        "answer": None,
        "downloads": [],
    }
    if query is None:
        return found
    try:
        text = server.kg.checked(query)
    except HkitError as exc:
        raise Refused(400, exc.message) from None
    result = await server.run(text, base=base, inferred=infer)
    found["answer"] = await server.call(table, result, server.classes)
    found["downloads"] = downloads(query, result.form, infer)
    return found


async def page(request: Request) -> Response:
    """The editor's page."""
    server = server_of(request)
    found = await context(server)
    response = server.page(
        "sparql", **found, scripts=[f"/static/{s}?v={fingerprint(s)}" for s in SCRIPTS]
    )
    response.headers["Vary"] = "Accept"
    response.headers["Content-Security-Policy"] = POLICY
    return response
