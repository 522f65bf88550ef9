"""``hkit serve``: the graph on the web, read-only. A SPARQL 1.1 Protocol endpoint at ``/sparql``,
the saved queries as an API at ``/api/queries`` (with an OpenAPI 3 description), and pages for
people: a home page with search, a page per saved query and per entity, each with a JSON twin
at its path with ``.json``, and the ontology's documentation under ``/ontology``.

Built on Starlette (routing, requests, responses), uvicorn (the HTTP server) and Jinja2 (pages,
escaped by default), the ``serve`` extra: ``pip install 'hkit[serve]'``. They are imported under
``hkit.web`` only, so no other command pays for them. Every query goes through the same checks
as on the command line (read-only, bounded nesting, typed parameters), runs with the graph's
timeout and memory limit, and at most ``max_queries`` run at once while sixteen times as many
wait for a turn (a 503 beyond that, or when a turn does not come within the timeout).

The views are in :mod:`hkit.web.views`, one module per page or group of routes, registered from
the route table here (:data:`ROUTES`); the server's state and the running of queries in
:mod:`hkit.web.server`; content negotiation in :mod:`hkit.web.negotiation`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, NamedTuple

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from hkit.api import KnowledgeGraph
from hkit.present.docs import write_docs
from hkit.web.errors import Refused
from hkit.web.guard import RequestGuard, _protocol
from hkit.web.server import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_QUERIES,
    DEFAULT_MAX_ROWS,
    DEFAULT_REQUEST_TIMEOUT,
    Server,
)
from hkit.web.views import (
    api,
    classes,
    editor,
    entity,
    home,
    ontology,
    query,
    search,
    server_of,
    sources,
    sparql,
)

#: Connections open at once; beyond this uvicorn answers 503. Idle ones are closed after the
#: request timeout, so they cannot hold the server for longer than that.
MAX_CONNECTIONS = 1024
#: The names of this machine a request's Host header may give, beside the bound address.
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
#: Where the pages of /ontology are written, one folder per server; a server that was killed
#: leaves its folder behind, and the next start removes folders whose server is gone.
DOCS_PREFIX = "hkit-serve-docs-"
#: How long a browser keeps a static file before it asks again (its URL on the pages changes
#: with its content, and the answer carries an ETag to ask with).
STATIC_MAX_AGE = 86_400

#: A view: a request in, an answer out.
View = Callable[[Request], Awaitable[Response]]
#: What a route answers: a page for people (its errors a page too), or data (its errors one
#: line of text).
PAGE, DATA = "page", "data"


class Entry(NamedTuple):
    """A route of the table: its path, its view, what it answers, its methods (and HEAD)."""

    path: str
    view: View
    answers: str
    methods: tuple[str, ...] = ("GET",)


#: Every route but the ontology's documentation (a folder written when the server starts) and the
#: package's static files (the editor's scripts, at /static/). A
#: page's JSON twin comes before it: the page's path would match the twin's too.
ROUTES = (
    Entry("/", home.page, PAGE),
    Entry("/.json", home.data, DATA),
    Entry("/search", search.page, PAGE),
    Entry("/search.json", search.data, DATA),
    Entry("/sparql.json", sparql.data, DATA, ("GET", "POST")),
    Entry("/sparql", sparql.endpoint, DATA, ("GET", "POST")),
    Entry("/api/queries", api.list_queries, DATA),
    Entry("/api/openapi.json", api.openapi, DATA),
    Entry("/api/queries/{name}", api.run_query, DATA),
    Entry("/queries/{name}.json", query.data, DATA),
    Entry("/queries/{name}", query.page, PAGE),
    Entry("/id/{name}.json", entity.data, DATA),
    Entry("/id/{name}", entity.page, PAGE),
    Entry("/classes/{name}.json", classes.data, DATA),
    Entry("/classes/{name}", classes.page, PAGE),
    Entry("/sources.json", sources.list_data, DATA),
    Entry("/sources", sources.list_page, PAGE),
    Entry("/sources/{name}.json", sources.data, DATA),
    Entry("/sources/{name}", sources.page, PAGE),
    Entry("/ontology.json", ontology.ontology_data, DATA),
    Entry("/ontology", ontology.ontology, PAGE),
    Entry("/shapes.json", ontology.shapes_data, DATA),
    Entry("/shapes", ontology.shapes, PAGE),
)
#: The views that answer data, and the paths below which any answer is data (a route or not).
_DATA_VIEWS = {entry.view for entry in ROUTES if entry.answers == DATA}
_DATA_PATHS = ("/sparql", "/api/")


class CachedFiles(StaticFiles):
    """The package's static files, each answer with how long a browser may keep it."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        """The file (or a 304 when the browser's copy is current), with Cache-Control."""
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = f"public, max-age={STATIC_MAX_AGE}"
        return response


def _remove_leftover_docs() -> None:
    """Remove the /ontology folders of servers that are gone (killed before they could clean
    up): each folder's name holds its server's process id."""
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
    workers: int | None = None,
) -> Starlette:
    """The web application over ``kg``: the endpoint, the API and the pages. Requests must name
    ``host``, a loopback name or one of ``allow_hosts`` in their Host header; POSTs from another
    origin than the server's own or ``cors`` are refused. Queries run in a pool of ``workers``
    long-lived processes (default: one per core; see :meth:`KnowledgeGraph.start_pool`),
    stopped when the application shuts down."""
    _remove_leftover_docs()
    docs = Path(tempfile.mkdtemp(prefix=f"{DOCS_PREFIX}{os.getpid()}-"))
    write_docs(kg.root, docs, tuple(kg.data), served=True)
    routes: list[BaseRoute] = [Route(e.path, e.view, methods=list(e.methods)) for e in ROUTES]
    routes.append(Mount("/ontology", StaticFiles(directory=str(docs), html=True)))
    routes.append(Mount("/static", CachedFiles(directory=str(editor.STATIC))))

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
        kg.stop_pool()

    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={Refused: _refused, 404: _not_found, 405: _not_allowed},
    )
    kg.start_pool(workers)  # forked now, while no request is under way
    app.state.server = Server(kg, max_queries, max_rows, docs, max_bytes=max_bytes)
    app.state.request_timeout = request_timeout
    return app


def _answers_data(request: Request) -> bool:
    """Whether the request's errors are one line of text (else a page)."""
    return request.scope.get("endpoint") in _DATA_VIEWS or request.url.path.startswith(_DATA_PATHS)


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    if _answers_data(request):
        return PlainTextResponse(exc.message + "\n", status_code=exc.status)
    return server_of(request).page("error", exc.status, message=exc.message, status=exc.status)


async def _not_found(request: Request, exc: Exception) -> Response:
    if _answers_data(request):
        return PlainTextResponse("not found\n", status_code=404)
    return server_of(request).page("error", 404, message="There is no such page.", status=404)


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("method not allowed\n", status_code=405)


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
    workers: int | None = None,
) -> None:
    """Serve ``kg`` until Ctrl-C or SIGTERM (uvicorn stops cleanly on both), its queries run by
    ``workers`` long-lived processes (default: one per core)."""
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
        workers=workers,
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
    import gc

    gc.freeze()  # what start-up made lives as long as the server: full collections skip it
    uvicorn.Server(config).run()
