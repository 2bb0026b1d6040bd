"""Forwarding `/api/v1/<resource>` to the owning service: raw ASGI in, one aiohttp session per service out.

This is the hot path. It avoids framework request objects and dependency injection, verifies a
token once and then reuses the result, and sends small upstream bodies in one ASGI message.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import re
from collections.abc import AsyncIterator
from time import perf_counter, time

import aiohttp
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, StatusCode

from gateway.client_address import ClientAddresses
from gateway.metrics import GatewayMetrics
from gateway.ratelimit import TokenBucketLimiter
from gateway.routes import Route
from gateway.server import request_started
from gateway.tokens import Authenticator, InvalidToken, KeysUnavailable, Principal
from servicekit.identity import IDENTITY_HEADER, REQUEST_ID_HEADER
from servicekit.problems import Problem, problem_response

log = logging.getLogger("gateway.proxy")

HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"te",
                        b"trailer", b"transfer-encoding", b"upgrade", b"proxy-connection"})
# Request headers the gateway replaces with its own, or that must not reach a service.
_REQUEST_SPECIAL = HOP_BY_HOP | {
    b"host", b"authorization", IDENTITY_HEADER.encode(), REQUEST_ID_HEADER.encode(), b"x-forwarded-for",
    b"x-forwarded-host", b"x-forwarded-proto", b"traceparent", b"tracestate", b"content-length", b"expect",
}
# The gateway's own server adds date and server headers; forwarding the upstream's would duplicate them.
_RESPONSE_DROP = HOP_BY_HOP | {REQUEST_ID_HEADER.encode(), b"date", b"server"}
_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:\-]{1,128}")
_REQUEST_ID_NAME = REQUEST_ID_HEADER.encode()


# Request ids only need to be unique, not secret: a random per-process prefix and a counter will do.
_ID_PREFIX = os.urandom(8).hex()
_id_counter = itertools.count()


def request_id_of(value: bytes | None) -> bytes:
    """The client's request id when it is a short plain token, else a fresh one."""
    if value is not None and _REQUEST_ID.fullmatch(value):
        return value
    return f"{_ID_PREFIX}{next(_id_counter):016x}".encode()


def _has_dot_segment(path: str) -> bool:
    # Services route on the raw path, but no legitimate API path needs "." or ".." segments.
    return "/." in path and any(segment in (".", "..") for segment in path.split("/"))


class Proxy:
    """ASGI handler for one matched Route."""

    def __init__(self, *, authenticator: Authenticator, limiter: TokenBucketLimiter, metrics: GatewayMetrics,
                 tracer: trace.Tracer, identity_secret: str, max_buffered_body: int, addresses: ClientAddresses,
                 request_deadline: float, always_trace: bool = False):
        self.authenticator = authenticator
        self.limiter = limiter
        self.metrics = metrics
        self.tracer = tracer
        self.tracing = _TracingCheck(always_trace)
        self.identity_secret = identity_secret
        self.max_buffered_body = max_buffered_body
        self.addresses = addresses
        self.request_deadline = request_deadline
        # Service name -> its session, filled for the life of the server.
        self.sessions: dict[str, aiohttp.ClientSession] = {}

    async def __call__(self, scope, receive, send, route: Route) -> None:
        started = perf_counter()
        headers, request_id, authorization, carrier, length = _split_headers(scope, self.addresses)
        request_id = request_id_of(request_id)
        status = 500
        try:
            if self.tracing.enabled(started):
                status = await self._traced(scope, receive, send, route, headers, request_id, authorization,
                                            length, carrier)
            else:
                # A no-op span would record nothing and re-inject the caller's context unchanged; skip the work.
                if carrier:
                    headers.extend(carrier.items())
                status = await self._handle(scope, receive, send, route, headers, request_id, authorization, length)
        finally:
            self.metrics.observe(route.resource, status, perf_counter() - started)

    async def _traced(self, scope, receive, send, route, headers, request_id, authorization, length, carrier) -> int:
        """_handle inside a SERVER span whose context goes upstream as traceparent."""
        context = propagate.extract(carrier) if carrier else None
        with self.tracer.start_as_current_span(f"{scope['method']} /api/v1/{route.resource}", context=context,
                                               kind=SpanKind.SERVER, record_exception=False) as span:
            propagate.inject(_HeaderListSetter(headers))
            status = 500
            try:
                status = await self._handle(scope, receive, send, route, headers, request_id, authorization, length)
            finally:
                if span.is_recording():
                    _annotate(span, scope, route, status, request_id)
            return status

    async def _handle(self, scope, receive, send, route, headers, request_id, authorization, length) -> int:
        now = time()
        body = RequestBody(scope, receive, length, route.body_limit_for(scope["path"]), self.request_deadline)
        admitted = body.refusal or await self._admit(scope, authorization, now)
        if isinstance(admitted, Problem):
            return await self._problem(scope, send, request_id, admitted)
        headers.append((IDENTITY_HEADER, admitted.identity_header(self.identity_secret, now)))
        headers.append((REQUEST_ID_HEADER, request_id.decode("latin-1")))
        try:
            outcome = await self._exchange(scope, route, headers, body)
        except _ClientGone:
            return 499
        except _Refused as refused:
            outcome = refused.problem
        except Exception:
            log.exception("proxy failure on %s %s", scope["method"], scope["path"])
            outcome = Problem(500, "the gateway failed to handle this request; it has been logged",
                              kind="internal-error")
        if isinstance(outcome, Problem):
            return await self._problem(scope, send, request_id, outcome)
        return await self._relay(receive, send, route, request_id, *outcome)

    async def _admit(self, scope, authorization: bytes | None, now: float) -> Principal | Problem:
        """The caller, if the path is sane, its token valid and its rate within the limit."""
        if _has_dot_segment(scope["path"]):
            return Problem(400, "the path has '.' or '..' segments")
        try:
            principal = self._principal(authorization, now) or await self.authenticator.authenticate(authorization)
        except InvalidToken as exc:
            # Bad tokens spend the caller's address budget, so guessing them is as slow as anything else.
            return self._rate_limited(client_key(scope, self.addresses)) or Problem(
                401, f"the bearer token is not valid: {exc}", kind="invalid-token",
                headers={"www-authenticate": 'Bearer error="invalid_token"'})
        except KeysUnavailable:
            return Problem(503, "the identity provider cannot be reached to check the token",
                           kind="identity-provider-unavailable")
        return self._rate_limited(principal.rate_key or client_key(scope, self.addresses)) or principal

    def _rate_limited(self, key: str) -> Problem | None:
        wait = self.limiter.take(key)
        if wait:
            return rate_limited(wait)
        return None

    def _principal(self, authorization: bytes | None, now: float) -> Principal | None:
        if authorization is None:
            return self.authenticator.anonymous()
        return self.authenticator.cached(authorization, now)

    async def _relay(self, receive, send, route: Route, request_id: bytes, response: aiohttp.ClientResponse,
                     body: bytes | None, body_complete: bool) -> int:
        """Send the upstream response on; a failure from here on can only cut it short."""
        try:
            await send({"type": "http.response.start", "status": response.status,
                        "headers": _response_headers(response.raw_headers, request_id)})
            if body is not None:
                await send({"type": "http.response.body", "body": body})
            else:
                await self._stream(receive, send, response, route, body_complete)
        finally:
            response.release()
        return response.status

    async def _exchange(self, scope, route: Route, headers, body: RequestBody):
        """Send the request upstream: (response, small body or None, request body read?) or a Problem."""
        session = self.sessions.get(route.service)
        if session is None:
            return Problem(503, "the gateway is starting or stopping", kind="not-ready")
        deadline, client_timeout = route.timeouts_for(scope["path"])
        data = await body.read() if 0 <= body.length <= self.max_buffered_body else body.stream()
        url = route.url(scope.get("raw_path") or scope["path"].encode(), scope["query_string"])
        response = None
        try:
            # The route's connect and sock_read timeouts bound the wait; no extra timer on the hot path.
            response = await session.request(scope["method"], url, headers=headers, data=data,
                                             allow_redirects=False, timeout=client_timeout)
            small = response.content_length is not None and response.content_length <= self.max_buffered_body
            outcome = response, (await response.read() if small else None), body.complete
        except (TimeoutError, aiohttp.ClientError) as exc:
            if response is not None:
                response.close()
            # A failure while the client's body was still coming in is the client's, not the service's.
            return body.failure(exc) or self._upstream_problem(scope, route, exc, deadline)
        if body.refusal is not None:
            response.close()
            return body.refusal
        return outcome

    def _upstream_problem(self, scope, route: Route, exc: Exception, deadline: float) -> Problem:
        if isinstance(exc, TimeoutError):
            kind, status, detail = "timeout", 504, f"did not answer within {deadline:g} s"
        elif isinstance(exc, aiohttp.ClientConnectorError):
            kind, status, detail = "unavailable", 503, "is not reachable"
        else:
            kind, status, detail = "bad-response", 502, "sent a malformed response"
        self.metrics.upstream_error(route.service, kind)
        # The detail goes to the public; the upstream's address and the exception only to the log.
        log.warning("%s %s -> %s %s: %s", scope["method"], scope["path"], route.service, detail,
                    str(exc) or type(exc).__name__)
        return Problem(status, f"the {route.service} service {detail}", kind=f"upstream-{kind}",
                       service=route.service)

    async def _stream(self, receive, send, response: aiohttp.ClientResponse, route: Route, body_complete: bool):
        # Watch for the client leaving, so a large export stops being read from the service.
        gone = asyncio.ensure_future(_wait_disconnect(receive)) if body_complete else None
        try:
            async for chunk in response.content.iter_any():
                if gone is not None and gone.done():
                    response.close()
                    return
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except (aiohttp.ClientError, TimeoutError) as exc:
            # Headers are out already; ending without the last chunk tells the client it is truncated.
            self.metrics.upstream_error(route.service, "stream-broken")
            log.warning("%s stream broke: %s", route.service, exc)
            response.close()
            return
        finally:
            if gone is not None:
                gone.cancel()
        await send({"type": "http.response.body", "body": b""})

    @staticmethod
    async def _problem(scope, send, request_id: bytes, problem: Problem) -> int:
        problem.headers[REQUEST_ID_HEADER] = request_id.decode("latin-1")
        await problem_response(problem, scope["path"])(scope, _no_receive, send)
        return problem.status


class _ClientGone(Exception):
    """The client disconnected before its request body arrived."""


class _Refused(Exception):
    """The request body broke the size limit or the deadline; `problem` says which."""

    def __init__(self, problem: Problem):
        super().__init__(problem.detail)
        self.problem = problem


class RequestBody:
    """The client's request body, read under the route's size limit and the whole-request deadline.

    A declared Content-Length over the limit is refused before anything is read; a chunked body is
    counted as it arrives and cut off once it passes the limit, so the rest is never forwarded.
    """

    __slots__ = ("complete", "deadline", "deadline_seconds", "gone", "length", "limit", "receive", "received",
                 "refusal")

    def __init__(self, scope, receive, length: int, limit: int, deadline_seconds: float):
        self.receive, self.length, self.limit = receive, length, limit
        self.deadline_seconds = deadline_seconds
        # From the request's first byte when the server noted it (gateway.server), else from now.
        started = request_started(scope)
        self.deadline = (asyncio.get_running_loop().time() if started is None else started) + deadline_seconds
        self.received = 0
        self.complete = length == 0
        self.gone = False
        self.refusal: Problem | None = _too_large(limit) if length > limit else None

    async def read(self) -> bytes | None:
        """The whole (small) body, or None when there is none."""
        if self.complete:
            return None
        chunks = []
        while not self.complete:
            chunks.append(await self._next())
        return b"".join(chunks)

    async def stream(self) -> AsyncIterator[bytes]:
        """The body chunk by chunk, for aiohttp to forward as it arrives."""
        while not self.complete:
            chunk = await self._next()
            if chunk:
                yield chunk

    def failure(self, exc: Exception) -> Problem | None:
        """Why the exchange failed, when it was the client's doing: too large, too slow or gone."""
        if self.gone:
            raise _ClientGone()
        if self.refusal is None and not self.complete and isinstance(exc, aiohttp.SocketTimeoutError):
            # The service is still waiting for the rest of the body; its silence is not its fault.
            self.refusal = _too_slow(self.deadline_seconds)
        return self.refusal

    async def _next(self) -> bytes:
        try:
            async with asyncio.timeout_at(self.deadline):
                message = await self.receive()
        except TimeoutError:
            self.refusal = _too_slow(self.deadline_seconds)
            raise _Refused(self.refusal) from None
        if message["type"] == "http.disconnect":
            self.gone = True
            raise _ClientGone()
        chunk = message.get("body", b"")
        self.received += len(chunk)
        if self.received > self.limit:
            self.refusal = _too_large(self.limit)
            raise _Refused(self.refusal)
        self.complete = not message.get("more_body", False)
        return chunk


def _too_large(limit: int) -> Problem:
    # The unread rest of the body makes the connection unusable for another request.
    return Problem(413, f"the request body is larger than this route's limit of {limit} bytes",
                   kind="request-too-large", title="Content Too Large", limit=limit, headers={"connection": "close"})


def _too_slow(seconds: float) -> Problem:
    return Problem(408, f"the request did not arrive in full within {seconds:g} s", kind="request-timeout",
                   headers={"connection": "close"})


def rate_limited(wait: int, what: str = "requests") -> Problem:
    return Problem(429, f"too many {what}; retry in {wait} s", kind="rate-limited",
                   headers={"retry-after": str(wait)})


class _HeaderListSetter(dict):
    """A carrier for propagate.inject that appends to the outgoing header list."""

    def __init__(self, headers: list[tuple[str, str]]):
        super().__init__()
        self._headers = headers

    def __setitem__(self, key: str, value: str) -> None:
        self._headers.append((key, value))


def _split_headers(scope, addresses: ClientAddresses
                   ) -> tuple[list[tuple[str, str]], bytes | None, bytes | None, dict | None, int]:
    """Headers to forward (with X-Forwarded-*), plus the request id, Authorization, trace context, body length."""
    forwarded: list[tuple[str, str]] = []
    request_id = authorization = carrier = host = connection_tokens = None
    length = 0
    for name, value in scope["headers"]:
        if name not in _REQUEST_SPECIAL:
            forwarded.append((name.decode("latin-1"), value.decode("latin-1")))
        elif name == b"authorization":
            authorization = value
        elif name == b"x-request-id":
            request_id = value
        elif name == b"content-length":
            length = int(value) if value.isdigit() else -1
            forwarded.append(("content-length", value.decode("latin-1")))
        elif name == b"transfer-encoding":
            length = -1
        elif name in (b"traceparent", b"tracestate"):
            carrier = carrier or {}
            carrier[name.decode()] = value.decode("latin-1")
        elif name == b"host":
            host = value.decode("latin-1")
        elif name == b"connection":
            connection_tokens = {token.strip().lower() for token in value.decode("latin-1").split(",")}
    if connection_tokens:
        forwarded = [(name, value) for name, value in forwarded if name not in connection_tokens]
    chain = addresses.forwarded_chain(scope)
    if chain:
        forwarded.append(("x-forwarded-for", ", ".join(chain)))
    forwarded.append(("x-forwarded-proto", scope.get("scheme", "http")))
    if host:
        forwarded.append(("x-forwarded-host", host))
    return forwarded, request_id, authorization, carrier, length


def _response_headers(raw_headers, request_id: bytes) -> list[tuple[bytes, bytes]]:
    out = []
    connection_tokens = None
    for name, value in raw_headers:
        name = name.lower()
        if name not in _RESPONSE_DROP:
            out.append((name, value))
        elif name == b"connection":
            connection_tokens = {token.strip().lower() for token in value.split(b",")}
    if connection_tokens:
        out = [(name, value) for name, value in out if name not in connection_tokens]
    out.append((_REQUEST_ID_NAME, request_id))
    return out


def client_key(scope, addresses: ClientAddresses) -> str:
    """Rate-limit key of an anonymous caller: its address."""
    return "ip:" + addresses.of(scope)


class _TracingCheck:
    """Whether spans would record anything: an explicit provider, or a global one set since startup."""

    __slots__ = ("_always", "_enabled", "_next_check")

    def __init__(self, always: bool):
        self._always = always
        self._enabled = always
        self._next_check = 0.0

    def enabled(self, now: float) -> bool:
        # get_tracer_provider() reads os.environ while no provider is set; too slow for every request.
        if not self._always and now >= self._next_check:
            provider = trace.get_tracer_provider()
            self._enabled = not isinstance(provider, (trace.ProxyTracerProvider, trace.NoOpTracerProvider))
            self._next_check = now + 1.0
        return self._enabled


def _annotate(span: trace.Span, scope, route: Route, status: int, request_id: bytes) -> None:
    span.set_attributes({"http.request.method": scope["method"], "url.path": scope["path"],
                         "http.route": f"/api/v1/{route.resource}", "http.response.status_code": status,
                         "marketplace.service": route.service, "marketplace.request_id": request_id.decode()})
    if status >= 500:
        span.set_status(StatusCode.ERROR)


async def _wait_disconnect(receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _no_receive():
    return {"type": "http.disconnect"}
