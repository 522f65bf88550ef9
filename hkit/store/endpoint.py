"""A SPARQL 1.1 endpoint as an engine: the HTTP client and the parser of its answers."""

from __future__ import annotations

from hkit.core.answers import XSD_STRING, Result, Term
from hkit.core.errors import EndpointError
from hkit.core.prefixes import unshifted
from hkit.core.vocab import expand
from hkit.store.engines import _term, query_form
from hkit.store.offline import _refuse_outreach
from hkit.store.xml import xml_declares_entities

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up time)

if TYPE_CHECKING:
    import urllib.request
    from email.message import Message
    from typing import IO, Any


#: Environment variables that carry an endpoint's credentials (never the command line).
ENV_USER, ENV_PASSWORD, ENV_TOKEN = (
    "HKIT_ENDPOINT_USER",
    "HKIT_ENDPOINT_PASSWORD",
    "HKIT_ENDPOINT_TOKEN",
)


_RESULTS_JSON = "application/sparql-results+json"
_GRAPH_TYPES = {
    "application/n-triples": "N_TRIPLES",
    "text/plain": "N_TRIPLES",
    "text/turtle": "TURTLE",
    "application/x-turtle": "TURTLE",
    "application/rdf+xml": "RDF_XML",
}
# SPARQL JSON results alone: an endpoint offered plain application/json too may pick it, and
# Comunica's answers it with a JSON array of its own rather than SPARQL results.
_ACCEPT_RESULTS = _RESULTS_JSON
_ACCEPT_GRAPH = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"


class EndpointEngine:
    """A SPARQL 1.1 Protocol client: the query is POSTed form-encoded, SELECT and ASK results
    come back as SPARQL JSON, CONSTRUCT and DESCRIBE results as N-Triples or Turtle.

    ``default_graphs`` become ``default-graph-uri`` parameters (their merge is the query's default
    graph). Credentials come from the environment: ``HKIT_ENDPOINT_USER`` and
    ``HKIT_ENDPOINT_PASSWORD`` (HTTP Basic or Digest, whichever the server asks for), or
    ``HKIT_ENDPOINT_TOKEN`` (sent as a bearer token).
    """

    name = "endpoint"

    def __init__(
        self,
        url: str,
        default_graphs: tuple[str, ...] | list[str] = (),
        environ: dict[str, str] | None = None,
    ) -> None:
        import os
        from urllib.parse import urlsplit

        bad = EndpointError(
            f"'{url[:200]}' is not an http or https URL", hint="give the endpoint's full URL"
        )
        if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
            raise bad  # a space, a tab, CR or LF would end up in the request line or a header
        try:
            parts = urlsplit(url)
            hostname, _ = parts.hostname, parts.port  # both parse the authority (IPv6, port)
        except ValueError:
            raise bad from None
        if parts.scheme not in ("http", "https") or not hostname:
            raise bad
        if parts.username or parts.password:
            raise EndpointError(
                "the endpoint URL carries credentials; they do not belong on the command line",
                hint=f"set {ENV_USER} and {ENV_PASSWORD} (or {ENV_TOKEN}) instead",
            )

        default_graphs = [
            expand(g.strip().removeprefix("<").removesuffix(">")) for g in default_graphs
        ]
        for graph in default_graphs:
            if urlsplit(graph).scheme == "" or any(c in graph for c in ' <>"{}|^`\\'):
                raise EndpointError(f"'{graph}' is not an absolute IRI", hint="--default-graph IRI")
        self.url = url
        self.default_graphs = list(default_graphs)
        env = os.environ if environ is None else environ
        self._user, self._password = env.get(ENV_USER), env.get(ENV_PASSWORD)
        self._token = env.get(ENV_TOKEN)

    def _opener(self) -> urllib.request.OpenerDirector:
        import urllib.request

        handlers: list[urllib.request.BaseHandler] = [_no_redirects()]
        if self._user is not None:
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            manager.add_password(None, self.url, self._user, self._password or "")
            handlers += [
                urllib.request.HTTPBasicAuthHandler(manager),
                urllib.request.HTTPDigestAuthHandler(manager),
            ]
        # no proxies from the environment, no file: or ftp: handlers beyond urllib's defaults
        handlers.append(urllib.request.ProxyHandler({}))
        return urllib.request.build_opener(*handlers)

    def run(self, text: str, timeout: float | None = None) -> Result:
        """Send the query; the whole exchange is bounded by ``timeout`` seconds. (Longer than most
        functions: one request's life, from the URL's checks to the answer's, with each failure
        turned into its own one-line error.)"""
        _refuse_outreach(text)
        import http.client
        import time
        import urllib.error
        import urllib.request
        from urllib.parse import urlencode

        fields = [("query", text)] + [("default-graph-uri", g) for g in self.default_graphs]
        graph_form = query_form(text) in ("CONSTRUCT", "DESCRIBE")
        headers = {
            "Accept": _ACCEPT_GRAPH if graph_form else _ACCEPT_RESULTS,
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "User-Agent": "hkit",
        }
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        request = urllib.request.Request(
            self.url, data=urlencode(fields).encode("utf-8"), headers=headers, method="POST"
        )
        deadline = None if timeout is None else time.monotonic() + timeout
        where = f"the endpoint {self.url}"
        try:
            with self._opener().open(request, timeout=timeout) as response:
                content_type = response.headers.get_content_type()
                charset = response.headers.get_content_charset() or "utf-8"
                body = _read_until(response, deadline, where)
        except urllib.error.HTTPError as exc:
            error = _http_error(exc, where)
            # the position in the endpoint's message, counted in the query as the user wrote it
            raise EndpointError(unshifted(error.message, text), hint=error.hint) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                raise _timed_out(where, timeout) from None
            detail = getattr(reason, "strerror", None) or str(reason)
            raise EndpointError(
                f"cannot reach {where}: {detail}", hint="check the URL and that the server runs"
            ) from None
        except TimeoutError:
            raise _timed_out(where, timeout) from None
        except http.client.HTTPException as exc:
            # a garbled status line, too many or too long headers, a body cut short
            detail = " ".join(str(exc).split())[:200] or type(exc).__name__
            raise EndpointError(
                f"{where} sent a malformed HTTP answer ({type(exc).__name__}: {detail})",
                hint="is the URL a SPARQL endpoint, and is the server well?",
            ) from None
        except (OSError, ValueError) as exc:
            raise EndpointError(f"the exchange with {where} failed: {exc}") from None
        result = _parse_answer(body, content_type, charset, where)
        if graph_form != (result.form in ("CONSTRUCT", "DESCRIBE")):
            asked = "a graph" if graph_form else "results"
            raise EndpointError(
                f"{where} answered a query for {asked} with {content_type}",
                hint="the endpoint does not answer this kind of query as SPARQL requires",
            )
        return result


def _no_redirects() -> urllib.request.HTTPRedirectHandler:
    """A handler that follows no redirect: a POSTed query would be lost or resent elsewhere, and
    credentials must not travel to another host."""
    import urllib.request

    class NoRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(
            self,
            req: urllib.request.Request,
            fp: IO[bytes],
            code: int,
            msg: str,
            headers: Message,
            newurl: str,
        ) -> urllib.request.Request | None:
            raise EndpointError(
                f"the endpoint redirected (HTTP {code}) to {newurl}; hkit does not follow it",
                hint="give that URL with --endpoint",
            )

    return NoRedirects()


#: The largest answer hkit reads from an endpoint, in bytes (HKIT_ENDPOINT_MAX_BYTES).
DEFAULT_MAX_BYTES = 1 << 30


def _max_bytes() -> int:
    import os

    given = os.environ.get("HKIT_ENDPOINT_MAX_BYTES")
    if given is None:
        return DEFAULT_MAX_BYTES
    try:
        value = int(given)
    except ValueError:
        value = 0
    if value < 1:
        raise EndpointError(
            f"HKIT_ENDPOINT_MAX_BYTES is '{given[:40]}', not a number of bytes",
            hint=f"give a whole number of at least 1 (the default is {DEFAULT_MAX_BYTES:,})",
        )
    return value


def _read_until(response: Any, deadline: float | None, where: str = "the endpoint") -> bytes:
    """Read the whole body, giving up at the deadline or past the size limit."""
    import time

    limit = _max_bytes()
    chunks: list[bytes] = []
    size = 0
    sock = _socket_of(response)
    while True:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            if sock is not None:
                sock.settimeout(left)  # no single wait may outlast the deadline
        # read1: what one receive brings, so that a server that drips a byte at a time cannot
        # keep one read going past the deadline
        chunk = response.read1(65536) if hasattr(response, "read1") else response.read(65536)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise EndpointError(
                f"{where} sent more than {limit:,} bytes; hkit stopped reading",
                hint="add a LIMIT to the query, or raise HKIT_ENDPOINT_MAX_BYTES",
            )
        chunks.append(chunk)


def _socket_of(response: Any) -> Any:
    """The socket under an http.client response, when it can be reached (to bound each wait)."""
    raw = getattr(getattr(response, "fp", None), "raw", None)
    return getattr(raw, "_sock", None)


def _timed_out(where: str, timeout: float | None) -> EndpointError:
    return EndpointError(
        f"{where} did not answer within {timeout:g} seconds", hint="raise --timeout"
    )


def _http_error(exc: Any, where: str) -> EndpointError:
    code = exc.code
    try:
        detail = exc.read(2000).decode("utf-8", "replace").strip().splitlines()
    except OSError:
        detail = []
    first = next((line.strip() for line in detail if line.strip()), "")
    first = first if len(first) <= 200 else first[:200] + "..."
    hints = {
        401: f"the endpoint wants credentials: set {ENV_USER} and {ENV_PASSWORD}, or {ENV_TOKEN}",
        403: "the credentials given are not allowed to query this endpoint",
        404: "check the endpoint URL (Virtuoso: /sparql, Fuseki: /DATASET/sparql)",
    }
    message = f"{where} answered HTTP {code} {exc.reason}"
    if first and code not in (401, 403):
        message += f": {first}"
    return EndpointError(message, hint=hints.get(code, "see the endpoint's documentation or logs"))


def _parse_answer(body: bytes, content_type: str, charset: str, where: str) -> Result:
    if content_type in (_RESULTS_JSON, "application/json"):
        return _parse_results_json(body, charset, where)
    if content_type in _GRAPH_TYPES:
        import pyoxigraph

        fmt = getattr(pyoxigraph.RdfFormat, _GRAPH_TYPES[content_type])
        if fmt == pyoxigraph.RdfFormat.RDF_XML and xml_declares_entities([body]):
            raise EndpointError(
                f"{where} sent RDF/XML with a DOCTYPE, which hkit refuses",
                hint="its entities could expand without bound; ask for N-Triples or Turtle",
            )
        try:
            triples = [
                (_term(q.subject), _term(q.predicate), _term(q.object))
                for q in pyoxigraph.parse(body, format=fmt)
            ]
        except (SyntaxError, ValueError) as exc:
            raise EndpointError(f"{where} sent malformed {content_type}: {exc}") from None
        return Result("CONSTRUCT", triples=triples)
    raise EndpointError(
        f"{where} answered with {content_type}, not SPARQL results",
        hint="is the URL a SPARQL endpoint? an HTML page is often a login or error page",
    )


def _json_term(value: object, where: str) -> Term:
    if not isinstance(value, dict) or not isinstance(value.get("value"), str):
        raise EndpointError(f"{where} sent a malformed term in its SPARQL JSON results")
    kind = value.get("type")
    if kind == "uri":
        return Term("uri", value["value"])
    if kind == "bnode":
        return Term("bnode", value["value"])
    if kind in ("literal", "typed-literal"):  # Virtuoso says "typed-literal" (SPARQL 1.0 style)
        lang = value.get("xml:lang")
        datatype = None if lang else value.get("datatype")
        return Term("literal", value["value"], None if datatype == XSD_STRING else datatype, lang)
    raise EndpointError(f"{where} sent a term of unknown type {kind!r}")


def _parse_results_json(body: bytes, charset: str, where: str) -> Result:
    import json

    def no_constants(name: str) -> object:
        raise ValueError(f"{name} is not JSON")

    try:
        data = json.loads(body.decode(charset), parse_constant=no_constants)
    except (UnicodeDecodeError, LookupError, ValueError) as exc:
        raise EndpointError(f"{where} sent malformed JSON: {exc}") from None
    except RecursionError:
        raise EndpointError(f"{where} sent JSON nested too deep to read") from None
    if not isinstance(data, dict):
        raise EndpointError(f"{where} sent JSON that is not SPARQL results")
    if isinstance(data.get("boolean"), bool):
        return Result("ASK", boolean=data["boolean"])
    head, results = data.get("head"), data.get("results")
    # Virtuoso answers ASK as one row of one variable, __ASK_RETVAL, holding 1 or 0
    if (
        isinstance(head, dict)
        and head.get("vars") == ["__ASK_RETVAL"]
        and isinstance(results, dict)
        and isinstance(results.get("bindings"), list)
        and len(results["bindings"]) == 1
    ):
        row = results["bindings"][0]
        value = row.get("__ASK_RETVAL") if isinstance(row, dict) else None
        if not isinstance(value, dict) or str(value.get("value")) not in (
            "0",
            "1",
            "false",
            "true",
        ):
            raise EndpointError(f"{where} sent a malformed ASK answer")
        return Result("ASK", boolean=str(value["value"]) in ("1", "true"))
    if (
        not isinstance(head, dict)
        or not isinstance(results, dict)
        or not isinstance(head.get("vars", []), list)
        or not isinstance(results.get("bindings"), list)
    ):
        raise EndpointError(f"{where} sent JSON that is not SPARQL results")
    variables = [str(v) for v in head.get("vars", [])]
    rows = []
    for binding in results["bindings"]:
        if not isinstance(binding, dict):
            raise EndpointError(f"{where} sent a malformed row in its SPARQL JSON results")
        rows.append({name: _json_term(value, where) for name, value in binding.items()})
    return Result("SELECT", variables=variables, rows=rows)
