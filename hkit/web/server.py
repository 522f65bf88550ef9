"""The server's state and the running of queries: the graph, its limits, the query slots and
the line waiting for one, the pages' templates, and answers in the format a client asks for."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from hkit.api import KnowledgeGraph
from hkit.core.errors import AnswerTooLarge, HkitError, QueryTimeout, UnknownQuery
from hkit.core.formats import GRAPH, GRAPH_FORMS, default, render
from hkit.core.vocab import HKIT, compact, expand
from hkit.core.vocab import PREFIXES as PREFIX_NAMES
from hkit.core.vocab import PROLOGUE as PREFIXES
from hkit.quality.ledger import LEDGER, Row, read_ledger
from hkit.web.errors import Refused
from hkit.web.links import href
from hkit.web.negotiation import _GRAPH, _PEOPLE, _TABULAR, MEDIA_TYPES, negotiate

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
#: Answers of at most this many rows or triples, and this many characters of values, are
#: rendered on the event loop (a fraction of a millisecond), larger ones in a worker thread.
INLINE_ROWS = 50
INLINE_CHARS = 32_768
#: The most values a request may give for the parameters of a saved query, all told: a name
#: given for an IRI parameter is looked up by a query of its own.
MAX_VALUES = 100


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
        self.templates.filters["link"] = _link
        self.templates.filters["linkify"] = lambda text: _linkify(text, self.classes)
        #: the classes of the ontology (IRI -> label), each with a page
        self.classes: dict[str, str] = _classes(kg)
        #: the claims ledger: each source document's rows, its sentences in order
        self.ledger: dict[str, list[Row]] = {}
        for row in read_ledger(kg.root / LEDGER)[0]:
            self.ledger.setdefault(row.source, []).append(row)
        #: what is made once and kept: the ontology and the shapes in each RDF syntax, the shapes'
        #: page's rows
        self.made: dict[str, Any] = {}

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

    async def run(
        self, text: str, base: str | None = None, inferred: bool = True, checks: bool = False
    ) -> Any:
        """Run SPARQL text on the graph, bounded by the slots, the timeout and the row and byte
        caps (applied in the query's worker, as the answer is read); relative IRIs in it resolve
        against ``base``. Without ``inferred``, on the asserted triples alone. With ``checks``,
        the text is a request's own, checked as ad-hoc SPARQL where it runs (in the worker,
        beside this process)."""
        return await self.call(
            self.kg.run,
            text,
            max_rows=self.max_rows,
            max_bytes=self.max_bytes,
            base=base,
            inferred=inferred,
            checks=checks,
        )

    async def prepared(self, name: str, params: dict[str, list[str]]) -> str:
        """The saved query's text with the request's parameters bound: in a worker thread and
        through the query slots, since names given for IRI parameters are resolved by queries.
        An unknown query is a 404, a bad parameter a 400."""
        given = sum(len(values) for values in params.values())
        if given > MAX_VALUES:
            raise Refused(400, f"{given:,} parameter values; a request may give {MAX_VALUES}")
        result: str = await self.call(_prepare, self.kg, name, params)
        return result

    async def answer(self, result: Any, request: Request, given: str | None = None) -> Response:
        """The result in the format the client asked for, rendered in a worker thread (on the
        event loop when it is small, see :data:`INLINE_ROWS`: a handover costs more), and
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
        if _small(result):
            body = render(result, fmt).encode("utf-8")
        else:
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


def _small(result: Any) -> bool:
    """Whether ``result`` is small enough to render on the event loop (:data:`INLINE_ROWS`)."""
    if len(result.rows) + len(result.triples) > INLINE_ROWS:
        return False
    values = (t.value for row in result.rows for t in row.values())
    triples = (t.value for triple in result.triples for t in triple)
    return sum(map(len, values)) + sum(map(len, triples)) <= INLINE_CHARS


def _prepare(kg: KnowledgeGraph, name: str, params: dict[str, list[str]]) -> str:
    try:
        return kg.prepare(name, **params)
    except HkitError as exc:
        status = 404 if isinstance(exc, UnknownQuery) else 400
        hint = f" ({exc.hint})" if exc.hint else ""
        raise Refused(status, exc.message + hint) from None


def _link(text: str, href: str | None) -> markupsafe.Markup:
    """``text`` as a link to ``href`` (escaped), or the text alone when there is nowhere to go."""
    if not href:
        return markupsafe.Markup("{}").format(text)
    return markupsafe.Markup('<a href="{}">{}</a>').format(href, text)


#: A compact name in prose (an editor's note, a reason, a definition): ``id:doc-000``,
#: ``hkit:publishedBy``, ``schema:value``; it ends before a final dot or apostrophe.
_COMPACT = re.compile(
    r"\b(" + "|".join(PREFIX_NAMES) + r"):([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)"
)


def _linkify(text: str, classes: dict[str, str]) -> markupsafe.Markup:
    """``text`` escaped, with every compact name in it a link: to its page here, else to its
    IRI."""
    parts, last = [], 0
    for match in _COMPACT.finditer(text):
        parts.append(markupsafe.escape(text[last : match.start()]))
        parts.append(_link(match.group(0), href(expand(match.group(0)), classes)))
        last = match.end()
    parts.append(markupsafe.escape(text[last:]))
    return markupsafe.Markup("").join(parts)


def _classes(kg: KnowledgeGraph) -> dict[str, str]:
    """The ontology's classes with their labels, by IRI."""
    text = PREFIXES + (
        "SELECT ?c (SAMPLE(?l) AS ?label) WHERE { ?c a owl:Class . "
        f'FILTER(STRSTARTS(STR(?c), "{HKIT}")) OPTIONAL {{ ?c rdfs:label ?l }} }} GROUP BY ?c'
    )
    rows = kg.run(text, inferred=False).rows
    return {r["c"].value: r["label"].value if "label" in r else compact(r["c"].value) for r in rows}
