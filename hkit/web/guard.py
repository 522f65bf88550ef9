"""The server's guards below the application: the Host and Origin check, and the HTTP
protocol with its request timeout."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from starlette.responses import PlainTextResponse

_HOST = re.compile(r"(?:\[(?P<v6>[0-9a-f:.]+)\]|(?P<name>[^:\[\]]+))(?::[0-9]{1,5})?")


def _hostname(host: str) -> str:
    """The name in a Host header, without its port or brackets, lower-case; a header that is
    not a host and an optional port (``[::1]evil``, ``localhost:evil``) is returned whole, so
    that it matches no allowed name."""
    host = host.strip().lower()
    match = _HOST.fullmatch(host)
    if match is None:
        return host
    return (match.group("v6") or match.group("name")).rstrip(".")


class RequestGuard:
    """ASGI middleware that refuses what a web page in someone's browser could make it send:
    a request whose Host is not this server (DNS rebinding: a page rebound to 127.0.0.1 reads
    the graph), and a POST from another origin (a cross-site form or fetch), unless allowed."""

    def __init__(self, app: Any, hosts: set[str], origins: set[str]) -> None:
        self.app = app
        self.hosts = {_hostname(h) for h in hosts}
        self.origins = origins

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host")
        refusal = None
        if host is not None and _hostname(host) not in self.hosts:
            name = _hostname(host)[:100]
            refusal = (
                400,
                f"this server does not answer for the host '{name}'; "
                f"start hkit serve with --allow-host {name} to allow it",
            )
        elif scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            origin = headers.get("origin")
            # the server's own origin, as a browser names it (https behind a TLS proxy too)
            own = {f"http://{host}", f"https://{host}"} if host else set()
            cross_site = headers.get("sec-fetch-site") == "cross-site"
            if (origin is not None and origin not in own and origin not in self.origins) or (
                origin is None and cross_site
            ):
                refusal = (
                    403,
                    f"a POST from another origin ({(origin or 'a cross-site page')[:100]}) is "
                    "refused; start hkit serve with --cors ORIGIN to allow one",
                )
        if refusal is None:
            await self.app(scope, receive, send)
            return
        response = PlainTextResponse(refusal[1] + "\n", status_code=refusal[0])
        await response(scope, receive, send)


def _protocol(request_timeout: float) -> type:
    """uvicorn's h11 protocol, with a request timeout: a connection that has not sent a complete
    request head within ``request_timeout`` seconds of opening, or of its last answer, is
    closed. (uvicorn's own keep-alive timer starts only after a first answer, so a connection
    that sends nothing would be kept open for ever and hold a place among the connections.)"""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class TimedProtocol(H11Protocol):
        _waiting: asyncio.TimerHandle | None = None
        _stalled_since: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._start_waiting()

        def _start_waiting(self) -> None:
            self._stop_waiting()
            self._waiting = self.loop.call_later(request_timeout, self._waited_too_long)

        def _stop_waiting(self) -> None:
            if self._waiting is not None:
                self._waiting.cancel()
                self._waiting = None

        def handle_events(self) -> None:
            cycle = self.cycle
            super().handle_events()
            if self.cycle is not cycle:  # a request's head arrived: the app handles the rest
                self._stop_waiting()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._start_waiting()  # the next request on this connection has as long

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_waiting()
            if self._stalled_since is not None:
                self._stalled_since.cancel()
                self._stalled_since = None
            super().connection_lost(exc)

        def pause_writing(self) -> None:
            # the client reads no more of the answer: it has as long as for a request to read
            # on, then the connection (and the answer held for it) goes
            super().pause_writing()
            if self._stalled_since is None:
                self._stalled_since = self.loop.call_later(request_timeout, self._stalled)

        def resume_writing(self) -> None:
            super().resume_writing()
            if self._stalled_since is not None:
                self._stalled_since.cancel()
                self._stalled_since = None

        def _stalled(self) -> None:
            self._stalled_since = None
            self.transport.abort()

        def _waited_too_long(self) -> None:
            self._waiting = None
            if self.cycle is not None and not self.cycle.response_complete:
                return  # a request is being answered
            if not self.transport.is_closing():
                self.transport.close()

    return TimedProtocol
