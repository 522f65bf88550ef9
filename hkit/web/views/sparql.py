"""The SPARQL 1.1 Protocol endpoint, ``/sparql``: a query by GET, or by POST form-encoded or as
``application/sparql-query``, read-only (updates are refused); without a query, the service
description, or for a browser (an ``Accept`` header that prefers HTML) the SPARQL editor
(:mod:`hkit.web.views.editor`), whose JSON twin ``/sparql.json`` takes a query as the endpoint
does."""

from __future__ import annotations

import asyncio
import re
import urllib.parse

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hkit.web.errors import Refused
from hkit.web.server import DEFAULT_REQUEST_TIMEOUT
from hkit.web.views import editor, server_of

#: The largest request body (a query, a form) the server reads, in bytes.
MAX_REQUEST_BYTES = 1_000_000
#: A body refused for its size is read on and dropped up to this size, so that the client gets
#: the answer (beyond it, the connection is closed while the client may still be sending).
DRAIN_BYTES = 16_000_000


async def endpoint(request: Request) -> Response:
    """The answer to a protocol request, or the service description (a GET with no query)."""
    server = server_of(request)
    if request.method == "GET" and not request.url.query:
        if editor.wants_editor(request):
            return await editor.page(request)
        base = str(request.url.replace(query=""))
        return Response(
            _service_description(base), media_type="text/turtle", headers={"Vary": "Accept"}
        )
    query, params = await _protocol_query(request)
    # checked as ad-hoc SPARQL where it runs (a refusal is a 400, as every query error)
    inferred = _infer(params)
    result = await server.run(query, base=_endpoint_iri(request), inferred=inferred, checks=True)
    formats = params.get("format") or []
    return await server.answer(result, request, formats[0] if formats else None)


async def data(request: Request) -> Response:
    """The editor's data, as JSON: with a query (by GET or POST, as the endpoint takes it), its
    answer as the editor shows it, with its links, and the links to download it."""
    server = server_of(request)
    if request.method == "GET" and not request.url.query:
        return JSONResponse(await editor.context(server))
    query, params = await _protocol_query(request)
    base = _endpoint_iri(request, "/sparql")
    return JSONResponse(await editor.context(server, query, _infer(params), base))


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


def _infer(params: dict[str, list[str]]) -> bool:
    """Whether the query sees what the ontology entails: ``infer=false`` leaves it out, as
    GraphDB's and RDF4J's endpoints take it; true by default."""
    given = params.get("infer") or ["true"]
    if len(given) > 1 or given[0].lower() not in ("true", "false"):
        raise Refused(400, "infer is true (the default) or false, once")
    return given[0].lower() == "true"


def _endpoint_iri(request: Request, path: str | None = None) -> str | None:
    """The endpoint's URL, which relative IRIs in a query sent to it resolve against (the SPARQL
    protocol leaves the base to the service, "which MAY be the service endpoint"; RFC 3986 has
    it the URL the text was sent to): the request's URL without its query string. None when that
    is not an IRI that a query could quote (its Host has already been checked). ``path``: the
    endpoint's path, when the request came to another (the editor's twin)."""
    import pyoxigraph

    url = str(request.url.replace(query="", fragment="", **({"path": path} if path else {})))
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
