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
from collections.abc import AsyncIterator, Callable
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
from hkit.core.errors import AnswerTooLarge, HkitError, QueryTimeout, UnknownQuery
from hkit.core.formats import (
    ANSWERS,
    GRAPH,
    GRAPH_FORMS,
    default,
    media_types,
    names,
    offered,
    render,
)
from hkit.core.vocab import ID, compact
from hkit.present.results import readable
from hkit.web.guard import RequestGuard, _protocol

#: The largest request body (a query, a form) the server reads, in bytes.
MAX_REQUEST_BYTES = 1_000_000
#: A body refused for its size is read on and dropped up to this size, so that the client gets
#: the answer (beyond it, the connection is closed while the client may still be sending).
DRAIN_BYTES = 16_000_000
#: Answers are refused beyond this many rows (``--max-rows``).
DEFAULT_MAX_ROWS = 10_000
#: Queries that may run at once (``--max-queries``); sixteen times as many wait for a turn, and
#: more get a 503.
DEFAULT_MAX_QUERIES = 4
#: Answers are refused beyond this many bytes of terms (``--max-bytes``).
DEFAULT_MAX_BYTES = 16_000_000
#: Seconds a connection has to send a complete request (its head and its body), from when it
#: opens or its last answer was sent (``--request-timeout``); then it is closed.
DEFAULT_REQUEST_TIMEOUT = 5.0
#: Connections open at once; beyond this uvicorn answers 503. Idle ones are closed after the
#: request timeout, so they cannot hold the server for longer than that.
MAX_CONNECTIONS = 1024
#: The names of this machine a request's Host header may give, beside the bound address.
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
#: Where the pages of /ontology are written, one folder per server; a server that was killed
#: leaves its folder behind, and the next start removes folders whose server is gone.
DOCS_PREFIX = "hkit-serve-docs-"

#: Media types of answers, by the format hkit renders (from the format registry).
MEDIA_TYPES = media_types(ANSWERS, GRAPH)
#: What a client may ask for, by the form of the query, best first.
_TABULAR = offered(ANSWERS)
_GRAPH = offered(GRAPH)
#: The formats for people: asked for by name, they answer a CONSTRUCT in Turtle.
_PEOPLE = names(ANSWERS, people=True)
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
        if given not in formats and given not in _PEOPLE:
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
        if _ranges(accept):  # a valid header that accepts none of them (q=0 included)
            raise Refused(406, f"none of the types asked for is offered: {', '.join(offered)}")
    return next(iter(formats))


def _ranges(accept: str) -> bool:
    """Whether ``accept`` is a header mimeparse reads (else it is ignored, as if absent)."""
    try:
        for part in accept.split(","):
            if part.strip():
                mimeparse.parse_media_range(part)
    except (ValueError, IndexError):
        return False
    return True


class Server:
    """The application's state: the graph, its limits, and the pages' templates."""

    def __init__(
        self,
        kg: KnowledgeGraph,
        max_queries: int = DEFAULT_MAX_QUERIES,
        max_rows: int = DEFAULT_MAX_ROWS,
        docs_folder: Path | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.kg = kg
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self.slots = asyncio.Semaphore(max_queries)
        # requests that may run or wait for a slot (sixteen times as many wait as run); more get
        # a 503. Counted from arrival until the answer is ready, so that a request handed a slot
        # still counts once, and one whose answer is on its way no longer does.
        self.max_admitted = 17 * max_queries
        self.admitted = 0
        self.docs_folder = docs_folder
        self.templates = jinja2.Environment(
            loader=jinja2.PackageLoader("hkit", "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        self.templates.filters["compact"] = compact

    # -- running queries ------------

    async def call(self, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``work(*args, **kwargs)`` (anything that runs queries: a query, a search, a page's
        description, the statistics) in a worker thread, admitted as every query is: at most
        ``max_queries`` at once, a bounded line waiting for a turn, a 503 beyond it or when a
        turn does not come within the timeout. hkit's errors become :class:`Refused`."""
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
                return await run_in_threadpool(work, *args, **kwargs)
            except QueryTimeout as exc:
                raise Refused(503, exc.message) from None
            except AnswerTooLarge as exc:
                message = f"{exc.message}; {exc.hint}" if exc.hint else exc.message
                raise Refused(413, message) from None
            except HkitError as exc:
                raise Refused(400, exc.message) from None
            finally:
                self.slots.release()
        finally:
            self.admitted -= 1

    async def run(self, text: str, base: str | None = None) -> Any:
        """Run checked SPARQL text on the graph, bounded by the slots, the timeout and the row
        and byte caps (applied in the query's child, as the answer is read); relative IRIs in it
        resolve against ``base``."""
        return await self.call(
            self.kg.run, text, max_rows=self.max_rows, max_bytes=self.max_bytes, base=base
        )

    async def answer(self, result: Any, request: Request, given: str | None = None) -> Response:
        """The result in the format the client asked for, rendered in a worker thread, and
        refused (413) when the rendered answer is larger than the byte cap (escapes can make
        it several times the size of its values)."""

        accept = request.headers.get("accept")
        if result.form in GRAPH_FORMS:
            fmt = negotiate(accept, _GRAPH, given)
            if fmt in _PEOPLE:
                fmt = default(GRAPH)
        else:
            fmt = negotiate(accept, _TABULAR, given)
            if fmt in _GRAPH.values():
                raise Refused(406, f"a {result.form} answer has no {fmt} form")
        body = await run_in_threadpool(lambda: render(result, fmt).encode("utf-8"))
        if len(body) > self.max_bytes:
            raise Refused(
                413,
                f"the answer is larger than {self.max_bytes:,} bytes, the most this server "
                "sends; add a LIMIT, or return shorter values",
            )
        return Response(body, media_type=MEDIA_TYPES[fmt])

    def page(self, name: str, code: int = 200, **context: Any) -> HTMLResponse:
        """A page from its template, with the status ``code``."""
        template = self.templates.get_template(f"{name}.html")
        return HTMLResponse(template.render(**context), status_code=code)


async def _body(request: Request) -> bytes:
    """The request's body, refused beyond MAX_REQUEST_BYTES (413), and when it does not arrive
    within the request timeout (408). A body refused for its size is read on and dropped, up to
    DRAIN_BYTES and within the timeout, before the answer: a client still sending when the
    server closed would be reset and lose the answer (a client sends the whole body before it
    reads)."""
    too_large = Refused(413, f"the request is larger than {MAX_REQUEST_BYTES:,} bytes")
    timeout = getattr(request.app.state, "request_timeout", DEFAULT_REQUEST_TIMEOUT)
    declared = request.headers.get("content-length")
    size = int(declared) if declared and declared.isdigit() else None
    if size is not None and size > MAX_REQUEST_BYTES:
        if size <= DRAIN_BYTES:
            await _drain(request, timeout)
        raise too_large
    body = b""
    try:
        async with asyncio.timeout(timeout):
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_REQUEST_BYTES:
                    break
    except TimeoutError:
        raise Refused(
            408, f"the request's body did not arrive within {timeout:g} seconds"
        ) from None
    if len(body) > MAX_REQUEST_BYTES:
        await _drain(request, timeout, len(body))
        raise too_large
    return body


async def _drain(request: Request, timeout: float, read: int = 0) -> None:
    """Read the rest of the body and drop it: at most DRAIN_BYTES in all, within ``timeout``."""
    try:
        async with asyncio.timeout(timeout):
            async for chunk in request.stream():
                read += len(chunk)
                if read > DRAIN_BYTES:
                    return
    except (TimeoutError, RuntimeError):  # RuntimeError: the stream was already consumed
        return


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


def _endpoint_iri(request: Request) -> str | None:
    """The endpoint's URL, which relative IRIs in a query sent to it resolve against (the SPARQL
    protocol leaves the base to the service, "which MAY be the service endpoint"; RFC 3986 has
    it the URL the text was sent to): the request's URL without its query string. None when that
    is not an IRI that a query could quote (its Host has already been checked)."""
    import pyoxigraph

    url = str(request.url.replace(query="", fragment=""))
    if _IRI.fullmatch(url) is None:
        return None
    try:
        pyoxigraph.NamedNode(url)
    except ValueError:
        return None
    return url


#: An absolute http(s) IRI with none of the characters that an IRI in SPARQL may not hold.
_IRI = re.compile(r"https?://[^\x00-\x20<>\"{}|^`\\]+")


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


def _remove_leftover_docs() -> None:
    """Remove the /ontology folders of servers that are gone (killed before they could clean
    up): each folder's name holds its server's process id."""
    import os

    for folder in Path(tempfile.gettempdir()).glob(DOCS_PREFIX + "*"):
        pid = folder.name[len(DOCS_PREFIX) :].split("-")[0]
        if not pid.isdigit():
            continue  # not named by a server of this version
        try:
            os.kill(int(pid), 0)
            continue  # its server still runs
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue  # another user's server: not ours to remove


def make_app(
    kg: KnowledgeGraph,
    *,
    max_queries: int = DEFAULT_MAX_QUERIES,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    cors: str | None = None,
    host: str = "127.0.0.1",
    allow_hosts: tuple[str, ...] = (),
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
) -> Starlette:
    """The web application over ``kg``: the endpoint, the API and the pages. Requests must name
    ``host``, a loopback name or one of ``allow_hosts`` in their Host header; POSTs from another
    origin than the server's own or ``cors`` are refused."""
    import os

    _remove_leftover_docs()
    docs = Path(tempfile.mkdtemp(prefix=f"{DOCS_PREFIX}{os.getpid()}-"))
    kg.write_docs(docs)
    server = Server(kg, max_queries, max_rows, docs, max_bytes=max_bytes)

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
        result = await server.run(text, base=_endpoint_iri(request))
        return await server.answer(result, request, (params.get("format") or [None])[0])

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
        text = await _prepared(server, name, params)  # an empty value counts as none
        result = await server.run(text)
        return await server.answer(result, request, given)

    async def openapi(request: Request) -> Response:

        from hkit.web.openapi import openapi_document  # a cycle, until the format registry

        return JSONResponse(openapi_document(server.kg, str(request.base_url).rstrip("/")))

    async def home(request: Request) -> Response:
        stats = await server.call(server.kg.stats)
        by_tag: dict[str, list[Any]] = {}
        for q in server.kg.queries.values():
            for tag in q.tags or ["other"]:
                by_tag.setdefault(tag, []).append(q)
        return server.page("home", stats=stats, by_tag=dict(sorted(by_tag.items())))

    async def search(request: Request) -> Response:
        text = request.query_params.get("q", "").strip()
        matches: list[tuple[str, str]] = []
        if text:
            matches = await server.call(server.kg.find, text)
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
            text = await _prepared(server, name, params)
            result = await server.run(text)
            result = await server.call(server.kg.with_source_names, result)
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
            return await server.answer(result, request, wants)
        matches = await server.call(server.kg.find, iri)
        if not matches:
            raise Refused(404, f"nothing in the graph is <{iri}>")
        description = await server.call(server.kg.describe, iri)
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
    hosts = {*LOOPBACK_NAMES, *allow_hosts}
    if host not in ("0.0.0.0", "::", ""):
        hosts.add(host)
    middleware = [Middleware(RequestGuard, hosts=hosts, origins={cors} if cors else set())]
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
    app.state.request_timeout = request_timeout
    return app


def _not_found(server: Server):
    async def handler(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith(("/sparql", "/api/")):
            return PlainTextResponse("not found\n", status_code=404)
        return server.page("error", 404, message="There is no such page.", status=404)

    return handler


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("method not allowed\n", status_code=405)


#: The most values a request may give for the parameters of a saved query, all told: a name
#: given for an IRI parameter is looked up by a query of its own.
MAX_VALUES = 100


async def _prepared(server: Server, name: str, params: dict[str, list[str]]) -> str:
    """The saved query's text with the request's parameters bound: in a worker thread and
    through the query slots, since names given for IRI parameters are resolved by queries."""
    given = sum(len(values) for values in params.values())
    if given > MAX_VALUES:
        raise Refused(400, f"{given:,} parameter values; a request may give {MAX_VALUES}")
    result: str = await server.call(_prepare, server.kg, name, params)
    return result


def _prepare(kg: KnowledgeGraph, name: str, params: dict[str, list[str]]) -> str:
    try:
        return kg.prepare(name, **params)
    except HkitError as exc:
        status = 404 if isinstance(exc, UnknownQuery) else 400
        hint = f" ({exc.hint})" if exc.hint else ""
        raise Refused(status, exc.message + hint) from None


def _entity_path(iri: str) -> str | None:
    """The page of an entity of the graph, or None for an IRI outside its namespace."""
    if iri.startswith(ID) and _SLUG.fullmatch(iri[len(ID) :]):
        return "/id/" + iri[len(ID) :]
    return None


def _table(result: Any) -> dict[str, Any]:
    """A SELECT answer as a table for a page: its columns and, per row, (text, link) cells."""

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


def serve(
    kg: KnowledgeGraph,
    host: str = "127.0.0.1",
    port: int = 7878,
    *,
    max_queries: int = DEFAULT_MAX_QUERIES,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    cors: str | None = None,
    allow_hosts: tuple[str, ...] = (),
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
) -> None:
    """Serve ``kg`` until Ctrl-C or SIGTERM (uvicorn stops cleanly on both)."""
    import sys

    import uvicorn

    if host not in LOOPBACK_NAMES:
        print(
            f"hkit: warning: serving on {host}, not only this machine: anyone who can reach it "
            "can query the graph (requests must name a host given with --allow-host)",
            file=sys.stderr,
        )
    app = make_app(
        kg,
        max_queries=max_queries,
        max_rows=max_rows,
        max_bytes=max_bytes,
        cors=cors,
        host=host,
        allow_hosts=allow_hosts,
        request_timeout=request_timeout,
    )
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        server_header=False,
        http=_protocol(request_timeout),
        limit_concurrency=MAX_CONNECTIONS,
        timeout_keep_alive=max(1, round(request_timeout)),  # whole seconds; ours is exact
    )
    print(f"hkit: serving http://{host}:{port}/ (Ctrl-C stops)", file=sys.stderr)
    uvicorn.Server(config).run()
