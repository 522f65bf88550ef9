"""``hkit serve``: the graph on the web, read-only. A SPARQL 1.1 Protocol endpoint at ``/sparql``,
the saved queries as an API at ``/api/queries`` (with an OpenAPI 3 description), and pages for
people: a home page with search, a page per saved query and per entity, and the ontology's
documentation under ``/ontology``.

Built on Starlette (routing, requests, responses), uvicorn (the HTTP server) and Jinja2 (pages,
escaped by default), the ``serve`` extra: ``pip install 'hkit[serve]'``. They are imported here
only, so no other command pays for them. Every query goes through the same checks as on the
command line (read-only, bounded nesting, typed parameters), runs with the graph's timeout and
memory limit, and at most ``max_queries`` run at once while four times as many wait for a turn
(a 503 beyond that, or when a turn does not come within the timeout).
"""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
import urllib.parse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import jinja2
import mimeparse
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from hkit.api import KnowledgeGraph
from hkit.errors import HkitError, QueryTimeout
from hkit.vocab import ID, compact

#: The largest request body (a query, a form) the server reads, in bytes.
MAX_REQUEST_BYTES = 1_000_000
#: Answers are refused beyond this many rows (``--max-rows``).
DEFAULT_MAX_ROWS = 10_000
#: Queries that may run at once (``--max-queries``); more get a 503.
DEFAULT_MAX_QUERIES = 4

#: Media types of answers, by the format hkit renders.
MEDIA_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "table": "text/plain; charset=utf-8",
    "turtle": "text/turtle; charset=utf-8",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
}
#: What a client may ask for, by the form of the query, best first.
_TABULAR = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "text/markdown": "md",
    "text/plain": "table",
}
_GRAPH = {
    "text/turtle": "turtle",
    "application/n-triples": "ntriples",
    "application/ld+json": "jsonld",
    "text/plain": "ntriples",
}
_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}")


class Refused(Exception):
    """A request the server answers with an error status and a one-line message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def negotiate(accept: str | None, offered: dict[str, str], given: str | None = None) -> str:
    """The format to answer in: ``given`` (``?format=``) when it names one, else the best match
    of the ``Accept`` header among ``offered`` (media type -> format), else the first offered."""
    formats = dict.fromkeys(offered.values())
    if given:
        if given not in formats and given not in ("table", "md"):
            raise Refused(400, f"format '{given}' is not one of: {', '.join(formats)}")
        return given
    if accept:
        try:
            # best_match breaks ties in favour of the last type: offer the preferred one last
            best = mimeparse.best_match(list(reversed(offered)), accept)
        except (ValueError, IndexError):
            best = ""
        if best:
            return offered[best]
        if "*/*" not in accept and not any(t.endswith("/*") for t in accept.split(",")):
            raise Refused(406, f"none of the types asked for is offered: {', '.join(offered)}")
    return next(iter(formats))


def _triples_bytes(result: Any, fmt: str) -> bytes:
    """A CONSTRUCT or DESCRIBE answer in an RDF syntax (JSON-LD through pyoxigraph)."""
    from hkit.results import render

    if fmt != "jsonld":
        return render(result, fmt).encode("utf-8")
    import pyoxigraph

    def term(t: Any) -> Any:
        if t.kind == "uri":
            return pyoxigraph.NamedNode(t.value)
        if t.kind == "bnode":
            return pyoxigraph.BlankNode(t.value)
        if t.lang:
            return pyoxigraph.Literal(t.value, language=t.lang)
        datatype = pyoxigraph.NamedNode(t.datatype) if t.datatype else None
        return pyoxigraph.Literal(t.value, datatype=datatype)

    triples = [pyoxigraph.Triple(term(s), term(p), term(o)) for s, p, o in result.triples]
    return pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.JSON_LD) or b"[]"


class Server:
    """The application's state: the graph, its limits, and the pages' templates."""

    def __init__(
        self,
        kg: KnowledgeGraph,
        max_queries: int = DEFAULT_MAX_QUERIES,
        max_rows: int = DEFAULT_MAX_ROWS,
        docs_folder: Path | None = None,
    ) -> None:
        self.kg = kg
        self.max_rows = max_rows
        self.slots = asyncio.Semaphore(max_queries)
        # requests that may run or wait for a slot (four times as many wait as run); more get a
        # 503. Counted from arrival until the answer is ready, so that a request handed a slot
        # still counts once, and one whose answer is on its way no longer does.
        self.max_admitted = 5 * max_queries
        self.admitted = 0
        self.docs_folder = docs_folder
        self.templates = jinja2.Environment(
            loader=jinja2.PackageLoader("hkit", "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        self.templates.filters["compact"] = compact

    # -- running queries ------------

    async def run(self, text: str) -> Any:
        """Run checked SPARQL text on the graph, bounded by the slots, the timeout and the row
        cap; errors become :class:`Refused`."""
        busy = Refused(503, "the server is running as many queries as it may; try again soon")
        if self.admitted >= self.max_admitted:
            raise busy
        self.admitted += 1
        try:
            try:
                await asyncio.wait_for(self.slots.acquire(), timeout=self.kg.timeout)
            except TimeoutError:
                raise busy from None
            try:
                result = await run_in_threadpool(self.kg.run, text)
            except QueryTimeout as exc:
                raise Refused(503, exc.message) from None
            except HkitError as exc:
                raise Refused(400, exc.message) from None
            finally:
                self.slots.release()
        finally:
            self.admitted -= 1
        if len(result.rows) > self.max_rows or len(result.triples) > self.max_rows:
            raise Refused(
                413,
                f"the answer has more than {self.max_rows:,} rows, the most this server sends; "
                "add a LIMIT",
            )
        return result

    def answer(self, result: Any, request: Request, given: str | None = None) -> Response:
        """The result in the format the client asked for."""
        from hkit.results import render

        accept = request.headers.get("accept")
        if result.form in ("CONSTRUCT", "DESCRIBE"):
            fmt = negotiate(accept, _GRAPH, given)
            if fmt in ("table", "md"):
                fmt = "turtle"
            return Response(_triples_bytes(result, fmt), media_type=MEDIA_TYPES[fmt])
        fmt = negotiate(accept, _TABULAR, given)
        if fmt in ("turtle", "ntriples", "jsonld"):
            raise Refused(406, f"a {result.form} answer has no {fmt} form")
        return Response(render(result, fmt).encode("utf-8"), media_type=MEDIA_TYPES[fmt])

    def page(self, name: str, code: int = 200, **context: Any) -> HTMLResponse:
        """A page from its template, with the status ``code``."""
        template = self.templates.get_template(f"{name}.html")
        return HTMLResponse(template.render(**context), status_code=code)


async def _body(request: Request) -> bytes:
    """The request's body, refused beyond MAX_REQUEST_BYTES (read no further than that)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_REQUEST_BYTES:
        raise Refused(413, f"the request is larger than {MAX_REQUEST_BYTES:,} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_REQUEST_BYTES:
            raise Refused(413, f"the request is larger than {MAX_REQUEST_BYTES:,} bytes")
    return body


async def _protocol_query(request: Request) -> tuple[str, dict[str, list[str]]]:
    """The query and the other parameters of a SPARQL 1.1 Protocol request."""
    params = urllib.parse.parse_qs(request.url.query, keep_blank_values=True)
    if request.method == "POST":
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await _body(request)
        if kind == "application/x-www-form-urlencoded":
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
            for key, values in form.items():
                params.setdefault(key, []).extend(values)
        elif kind == "application/sparql-query":
            params.setdefault("query", []).append(body.decode("utf-8", "replace"))
        elif kind == "application/sparql-update":
            raise Refused(403, "this endpoint is read-only: updates are refused")
        else:
            raise Refused(
                415, f"a POST must be form-encoded or application/sparql-query, not '{kind}'"
            )
    if "update" in params:
        raise Refused(403, "this endpoint is read-only: updates are refused")
    queries = params.get("query", [])
    if len(queries) != 1:
        raise Refused(400, "give exactly one 'query' parameter")
    if params.get("default-graph-uri") or params.get("named-graph-uri"):
        raise Refused(
            400,
            "this endpoint serves one graph: default-graph-uri and named-graph-uri are not "
            "supported (FROM and FROM NAMED are refused too)",
        )
    return queries[0], params


def _service_description(base: str) -> str:
    return f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix formats: <http://www.w3.org/ns/formats/> .

<{base}> a sd:Service ;
    sd:endpoint <{base}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:resultFormat formats:SPARQL_Results_JSON, formats:SPARQL_Results_XML,
        formats:SPARQL_Results_CSV, formats:SPARQL_Results_TSV, formats:Turtle,
        formats:N-Triples, formats:JSON-LD ;
    sd:defaultDataset [ a sd:Dataset ; sd:defaultGraph [ a sd:Graph ] ] .
"""


def make_app(
    kg: KnowledgeGraph,
    *,
    max_queries: int = DEFAULT_MAX_QUERIES,
    max_rows: int = DEFAULT_MAX_ROWS,
    cors: str | None = None,
) -> Starlette:
    """The web application over ``kg``: the endpoint, the API and the pages."""
    docs = Path(tempfile.mkdtemp(prefix="hkit-serve-docs-"))
    kg.write_docs(docs)
    server = Server(kg, max_queries, max_rows, docs)

    def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refused)
        if request.url.path.startswith(("/sparql", "/api/")):
            return PlainTextResponse(exc.message + "\n", status_code=exc.status)
        return server.page("error", exc.status, message=exc.message, status=exc.status)

    async def sparql(request: Request) -> Response:
        query, params = await _protocol_query_or_description(request)
        if query is None:
            base = str(request.url.replace(query=""))
            return Response(_service_description(base), media_type="text/turtle")
        try:
            text = server.kg.checked(query)
        except HkitError as exc:
            raise Refused(400, exc.message) from None
        result = await server.run(text)
        return server.answer(result, request, (params.get("format") or [None])[0])

    async def _protocol_query_or_description(request: Request):
        if request.method == "GET" and not request.url.query:
            return None, {}
        return await _protocol_query(request)

    async def api_queries(request: Request) -> Response:
        return JSONResponse([q.as_dict() for q in server.kg.queries.values()])

    async def api_query(request: Request) -> Response:
        name = request.path_params["name"]
        params = urllib.parse.parse_qs(request.url.query, keep_blank_values=True)
        given = params.pop("format", [None])[0]
        text = _prepared(server.kg, name, params)
        result = await server.run(text)
        return server.answer(result, request, given)

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_document(server.kg, str(request.base_url).rstrip("/")))

    async def home(request: Request) -> Response:
        stats = await run_in_threadpool(server.kg.stats)
        by_tag: dict[str, list[Any]] = {}
        for q in server.kg.queries.values():
            for tag in q.tags or ["other"]:
                by_tag.setdefault(tag, []).append(q)
        return server.page("home", stats=stats, by_tag=dict(sorted(by_tag.items())))

    async def search(request: Request) -> Response:
        text = request.query_params.get("q", "").strip()
        matches: list[tuple[str, str]] = []
        if text:
            try:
                matches = await run_in_threadpool(server.kg.find, text)
            except HkitError as exc:
                raise Refused(400, exc.message) from None
        found = [(label, iri, _entity_path(iri)) for iri, label in matches]
        return server.page("search", text=text, found=found)

    async def query_page(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            saved = server.kg.saved_query(name)
        except HkitError as exc:
            raise Refused(404, exc.message) from None
        params = urllib.parse.parse_qs(request.url.query, keep_blank_values=True)
        params = {k: [v for v in vs if v != ""] for k, vs in params.items()}
        params = {k: vs for k, vs in params.items() if vs}
        table = None
        if "run" in request.query_params or (params and "run" not in params):
            params.pop("run", None)
            text = _prepared(server.kg, name, params)
            result = await server.run(text)
            result = await run_in_threadpool(server.kg.with_source_names, result)
            table = _table(result)
        query_string = urllib.parse.urlencode([(k, v) for k, vs in params.items() for v in vs])
        return server.page(
            "query",
            saved=saved,
            given={k: vs[0] for k, vs in params.items()},
            table=table,
            downloads=[
                (
                    fmt,
                    f"/api/queries/{name}?"
                    + "&".join(filter(None, [query_string, f"format={fmt}"])),
                )
                for fmt in ("csv", "tsv", "json", "xml")
            ],
        )

    async def entity(request: Request) -> Response:
        slug = request.path_params["name"]
        if not _SLUG.fullmatch(slug):
            raise Refused(404, "no such entity")
        iri = ID + slug
        wants = negotiate(
            request.headers.get("accept"),
            {"text/html": "html", **{k: v for k, v in _GRAPH.items() if k != "text/plain"}},
            request.query_params.get("format"),
        )
        if wants != "html":
            result = await server.run(f"DESCRIBE <{iri}>")
            if not result.triples:
                raise Refused(404, f"nothing in the graph is <{iri}>")
            return server.answer(result, request, wants)
        matches = await run_in_threadpool(server.kg.find, iri)
        if not matches:
            raise Refused(404, f"nothing in the graph is <{iri}>")
        description = await run_in_threadpool(server.kg.describe, iri)
        return server.page("entity", d=description, path=_entity_path)

    routes = [
        Route("/", home),
        Route("/search", search),
        Route("/sparql", sparql, methods=["GET", "POST"]),
        Route("/api/queries", api_queries),
        Route("/api/openapi.json", openapi),
        Route("/api/queries/{name}", api_query),
        Route("/queries/{name}", query_page),
        Route("/id/{name}", entity),
        Mount("/ontology", StaticFiles(directory=str(docs), html=True)),
    ]
    middleware = []
    if cors:
        middleware.append(
            Middleware(CORSMiddleware, allow_origins=[cors], allow_methods=["GET", "POST"])
        )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        shutil.rmtree(docs, ignore_errors=True)  # the pages written for /ontology

    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={Refused: refused, 404: _not_found(server), 405: _not_allowed},
    )
    app.state.server = server
    return app


def _not_found(server: Server):
    async def handler(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith(("/sparql", "/api/")):
            return PlainTextResponse("not found\n", status_code=404)
        return server.page("error", 404, message="There is no such page.", status=404)

    return handler


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("method not allowed\n", status_code=405)


def _prepared(kg: KnowledgeGraph, name: str, params: dict[str, list[str]]) -> str:
    try:
        return kg.prepare(name, **params)
    except HkitError as exc:
        status = 404 if exc.message.startswith("no saved query named") else 400
        hint = f" ({exc.hint})" if exc.hint else ""
        raise Refused(status, exc.message + hint) from None


def _entity_path(iri: str) -> str | None:
    """The page of an entity of the graph, or None for an IRI outside its namespace."""
    if iri.startswith(ID) and _SLUG.fullmatch(iri[len(ID) :]):
        return "/id/" + iri[len(ID) :]
    return None


def _table(result: Any) -> dict[str, Any]:
    """A SELECT answer as a table for a page: its columns and, per row, (text, link) cells."""
    from hkit.results import readable

    rows = []
    for row in result.rows:
        cells: list[tuple[str, str | None]] = []
        for var in result.variables:
            term = row.get(var)
            if term is None:
                cells.append(("", None))
            else:
                link = _entity_path(term.value) if term.kind == "uri" else None
                cells.append((readable(term), link))
        rows.append(cells)
    return {"columns": result.variables, "rows": rows}


def openapi_document(kg: KnowledgeGraph, base: str) -> dict[str, Any]:
    """An OpenAPI 3 description of the saved-query API, from the queries' headers (as grlc
    makes one from a folder of queries)."""
    paths: dict[str, Any] = {}
    for q in kg.queries.values():
        parameters = [
            {
                "name": p.name,
                "in": "query",
                "required": p.required,
                "description": f"{p.type}; repeat it to bind several values",
                "schema": {
                    "type": "array",
                    "items": {"type": "string", **({"enum": list(p.allowed)} if p.allowed else {})},
                },
                "style": "form",
                "explode": True,
                **({"example": p.default} if p.default is not None else {}),
            }
            for p in q.params
        ]
        parameters.append(
            {
                "name": "format",
                "in": "query",
                "required": False,
                "description": "the answer's format, instead of the Accept header",
                "schema": {"type": "string", "enum": ["json", "xml", "csv", "tsv", "md", "table"]},
            }
        )
        paths[f"/api/queries/{q.name}"] = {
            "get": {
                "operationId": re.sub(r"[^A-Za-z0-9]", "_", q.name),
                "summary": q.summary,
                "description": q.description,
                "tags": q.tags,
                "parameters": parameters,
                "responses": {
                    "200": {
                        "description": "the rows, as SPARQL results",
                        "content": {
                            media.split(";")[0]: {"schema": {"type": "string"}}
                            for fmt, media in MEDIA_TYPES.items()
                            if fmt in ("json", "xml", "csv", "tsv")
                        },
                    },
                    "400": {"description": "a parameter is missing, unknown or of the wrong type"},
                    "503": {"description": "the server is busy, or the query ran out of time"},
                },
            }
        }
    from hkit import __version__

    return {
        "openapi": "3.0.3",
        "info": {
            "title": "hkit saved queries",
            "version": __version__,
            "description": "The saved queries of hkit, a knowledge graph of Hong Kong's "
            "innovation and technology ecosystem, each with typed parameters.",
        },
        "servers": [{"url": base}],
        "paths": paths,
    }


def serve(
    kg: KnowledgeGraph,
    host: str = "127.0.0.1",
    port: int = 7878,
    *,
    max_queries: int = DEFAULT_MAX_QUERIES,
    max_rows: int = DEFAULT_MAX_ROWS,
    cors: str | None = None,
) -> None:
    """Serve ``kg`` until Ctrl-C or SIGTERM (uvicorn stops cleanly on both)."""
    import sys

    import uvicorn

    if host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"hkit: warning: serving on {host}, not only this machine: anyone who can reach it "
            "can query the graph",
            file=sys.stderr,
        )
    app = make_app(kg, max_queries=max_queries, max_rows=max_rows, cors=cors)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        server_header=False,
        limit_concurrency=max_queries * 16,
        timeout_keep_alive=5,
    )
    print(f"hkit: serving http://{host}:{port}/ (Ctrl-C stops)", file=sys.stderr)
    uvicorn.Server(config).run()
