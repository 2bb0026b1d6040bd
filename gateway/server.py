"""How uvicorn serves the gateway: no proxy headers, and a deadline on each request's headers.

Run the gateway with `--no-proxy-headers --http gateway.server:GatewayHttpProtocol` (as deploy/
does); `python -m gateway.main` passes the same options.
"""

from __future__ import annotations

import asyncio

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from servicekit.problems import PROBLEM_CONTENT_TYPE, Problem

DEFAULT_DEADLINE_SECONDS = 30.0
# Where the protocol notes (in loop time) when a request's first byte arrived.
REQUEST_STARTED = "marketplace.request_started"


def request_started(scope) -> float | None:
    """Loop time at which this request began arriving, when the server recorded it."""
    return scope.get("extensions", {}).get(REQUEST_STARTED)


def _deadline_of(app) -> float:
    # The gateway's settings, through any middleware uvicorn put around it.
    for _ in range(8):
        settings = getattr(app, "settings", None)
        if settings is not None:
            return settings.request_deadline_seconds
        app = getattr(app, "app", None)
        if app is None:
            break
    return DEFAULT_DEADLINE_SECONDS


class GatewayHttpProtocol(HttpToolsProtocol):
    """uvicorn's protocol, answering 408 when a request's headers have not all arrived in time.

    uvicorn bounds only the idle time between requests; a client sending its headers a byte at a
    time would otherwise hold its connection (and a slot of the server) for as long as it likes.
    The time the request began goes into the scope, so the gateway bounds the body from there.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.header_deadline_seconds = _deadline_of(self.app)
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()
        self.scope["extensions"] = {REQUEST_STARTED: self.loop.time()}

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def _arm(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_deadline_seconds, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self.cycle is not None and not self.cycle.response_complete:
            return  # a pipelined request still being answered; its connection is paused anyway
        if not self.transport.is_closing():
            problem = Problem(408, f"the request headers did not arrive within {self.header_deadline_seconds:g} s",
                              kind="request-timeout")
            body = orjson.dumps(problem.body())
            head = (f"HTTP/1.1 408 Request Timeout\r\ncontent-type: {PROBLEM_CONTENT_TYPE}\r\n"
                    f"content-length: {len(body)}\r\nconnection: close\r\n\r\n")
            self.transport.write(head.encode("latin-1") + body)
            self.transport.close()


UVICORN_OPTIONS = {"proxy_headers": False, "http": GatewayHttpProtocol}
