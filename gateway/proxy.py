"""Forwarding `/api/v1/<resource>` to the owning service: raw ASGI in, one aiohttp session per service out.

This is the hot path. It avoids framework request objects and dependency injection, verifies a
token once and then reuses the result, and sends small upstream bodies in one ASGI message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from time import perf_counter, time
from typing import NamedTuple

import aiohttp
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, StatusCode
from yarl import URL

from gateway.client_address import ClientAddresses, client_key
from gateway.ratelimit import rate_limited
from gateway.request_ids import REQUEST_ID_NAME, request_id_of
from gateway.routes import Route
from gateway.server import request_started
from gateway.state import GatewayState
from gateway.tokens import InvalidToken, KeysUnavailable, Principal
from servicekit.identity import IDENTITY_HEADER, REQUEST_ID_HEADER
from servicekit.problems import Problem, problem_response

log = logging.getLogger("gateway.proxy")

HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"te",
                        b"trailer", b"transfer-encoding", b"upgrade", b"proxy-connection"})
# Request headers the gateway replaces with its own, or that must not reach a service.
_REQUEST_SPECIAL = HOP_BY_HOP | {
    b"host", b"authorization", IDENTITY_HEADER.encode(), REQUEST_ID_NAME, b"x-forwarded-for",
    b"x-forwarded-host", b"x-forwarded-proto", b"traceparent", b"tracestate", b"content-length", b"expect",
}
# The gateway's own server adds date and server headers; forwarding the upstream's would duplicate them.
_RESPONSE_DROP = HOP_BY_HOP | {REQUEST_ID_NAME, b"date", b"server"}


def _has_dot_segment(path: str) -> bool:
    # Services route on the raw path, but no legitimate API path needs "." or ".." segments.
    return "/." in path and any(segment in (".", "..") for segment in path.split("/"))


@dataclass(slots=True)
class ForwardedRequest:
    """One request on its way to a service: what it asks, where it goes, what is sent on and who sent it."""

    method: str
    path: str
    # Path and query as the client sent them, passed on byte for byte.
    raw_path: bytes
    query: bytes
    route: Route
    # Headers for the service; the identity and request id are added once the caller is admitted.
    headers: list[tuple[str, str]]
    request_id: bytes
    authorization: bytes | None
    trace_context: dict[str, str] | None
    body: RequestBody
    # How long the service may stay silent (for the 504's detail), and the aiohttp timeouts saying so.
    upstream_timeout: float
    client_timeout: aiohttp.ClientTimeout
    scope: dict
    # The caller, once its token is checked.
    principal: Principal | None = None

    @classmethod
    def arriving(cls, scope, receive, route: Route, addresses: ClientAddresses,
                 deadline_seconds: float) -> ForwardedRequest:
        """The request as it reaches the proxy, its body not yet read."""
        headers, request_id, authorization, trace_context, length = _split_headers(scope, addresses)
        path = scope["path"]
        upstream_timeout, client_timeout = route.timeouts_for(path)
        body = RequestBody(scope, receive, length, route.body_limit_for(path), deadline_seconds)
        return cls(scope["method"], path, scope.get("raw_path") or path.encode(), scope["query_string"], route,
                   headers, request_id_of(request_id), authorization, trace_context, body, upstream_timeout,
                   client_timeout, scope)

    @property
    def service(self) -> str:
        return self.route.service

    def url(self) -> URL:
        return self.route.url(self.raw_path, self.query)


class _Answer(NamedTuple):
    """The service's response, its body when small enough to hold, and whether the request body was all read."""

    response: aiohttp.ClientResponse
    body: bytes | None
    request_body_read: bool


class Proxy:
    """ASGI handler for one matched Route."""

    def __init__(self, state: GatewayState, *, always_trace: bool = False):
        settings = state.settings
        self.authenticator = state.authenticator
        self.limiter = state.limiter
        self.metrics = state.metrics
        self.tracer = state.tracer
        self.tracing = _TracingCheck(always_trace)
        self.signer = state.signer
        self.revocations = state.revocations
        self.max_buffered_body = settings.max_buffered_body_bytes
        self.addresses = state.addresses
        self.request_deadline = settings.request_deadline_seconds
        # A session per service, open for the life of the server (Gateway.lifespan).
        self.pools = state.pools

    async def __call__(self, scope, receive, send, route: Route) -> None:
        started = perf_counter()
        request = ForwardedRequest.arriving(scope, receive, route, self.addresses, self.request_deadline)
        status = 500
        try:
            if self.tracing.enabled(started):
                status = await self._traced(request, send)
            else:
                # A no-op span would record nothing and re-inject the caller's context unchanged; skip the work.
                if request.trace_context:
                    request.headers.extend(request.trace_context.items())
                status = await self._handle(request, send)
        finally:
            self.metrics.observe(request.method, route.template, status, perf_counter() - started)

    async def _traced(self, request: ForwardedRequest, send) -> int:
        """_handle inside a SERVER span whose context goes upstream as traceparent."""
        context = propagate.extract(request.trace_context) if request.trace_context else None
        with self.tracer.start_as_current_span(f"{request.method} {request.route.template}",
                                               context=context, kind=SpanKind.SERVER, record_exception=False) as span:
            status = 500
            try:
                status = await self._handle(request, send)
            finally:
                if span.is_recording():
                    _annotate(span, request, status)
            return status

    async def _handle(self, request: ForwardedRequest, send) -> int:
        now = time()
        admitted = request.body.refusal or await self._admit(request, now)
        if isinstance(admitted, Problem):
            return await self._problem(request, send, admitted)
        request.principal = admitted
        request.headers.append((IDENTITY_HEADER, admitted.identity_header(self.signer, request.service, now)))
        request.headers.append((REQUEST_ID_HEADER, request.request_id.decode("latin-1")))
        try:
            outcome = await self._forward(request)
        except _ClientGone:
            return 499
        except _Refused as refused:
            outcome = refused.problem
        except Exception:
            log.exception("proxy failure on %s %s", request.method, request.path)
            outcome = Problem(500, "the gateway failed to handle this request; it has been logged",
                              kind="internal-error")
        if isinstance(outcome, Problem):
            return await self._problem(request, send, outcome)
        return await self._relay(request, send, outcome)

    async def _admit(self, request: ForwardedRequest, now: float) -> Principal | Problem:
        """The caller, if the path is sane, its token valid and its rate within the limit."""
        if _has_dot_segment(request.path):
            return Problem(400, "the path has '.' or '..' segments")
        principal = await self.caller(request.scope, request.authorization, now)
        if isinstance(principal, Problem):
            return principal
        key = principal.rate_key or client_key(request.scope, self.addresses)
        limited = self._rate_limited(key) or self._route_rate_limited(request, key)
        return limited or await self.revoked(principal, request.authorization, now) or principal

    async def caller(self, scope, authorization: bytes | None, now: float) -> Principal | Problem:
        """The caller of this Authorization header (anonymous without one), or why its token is refused."""
        try:
            return self._principal(authorization, now) or await self.authenticator.authenticate(authorization)
        except InvalidToken as exc:
            # Bad tokens spend the caller's address budget, so guessing them is as slow as anything else.
            return self._rate_limited(client_key(scope, self.addresses)) or Problem(
                401, f"the bearer token is not valid: {exc}", kind="invalid-token",
                headers={"www-authenticate": 'Bearer error="invalid_token"'})
        except KeysUnavailable:
            return Problem(503, "the identity provider cannot be reached to check the token",
                           kind="identity-provider-unavailable")

    async def revoked(self, principal: Principal, authorization: bytes | None, now: float) -> Problem | None:
        """Why the token no longer works (its client's secret rotated, the client revoked or its supplier
        deregistered), or None."""
        if self.revocations is None or not self.revocations.applies_to(principal):
            return None
        try:
            refusal = await self.revocations.refusal(principal, now)
        except Problem as unavailable:
            return unavailable
        if refusal is not None:
            self.authenticator.forget(authorization)
        return refusal

    def _rate_limited(self, key: str) -> Problem | None:
        wait = self.limiter.take(key)
        if wait:
            return rate_limited(wait)
        return None

    @staticmethod
    def _route_rate_limited(request: ForwardedRequest, key: str) -> Problem | None:
        rule = request.route.rate_limit_for(request.method, request.path)
        wait = rule.limiter.take(key) if rule is not None else 0
        return rate_limited(wait, f"requests to {rule.rule}") if wait else None

    def _principal(self, authorization: bytes | None, now: float) -> Principal | None:
        if authorization is None:
            return self.authenticator.anonymous()
        return self.authenticator.cached(authorization, now)

    async def _relay(self, request: ForwardedRequest, send, answer: _Answer) -> int:
        """Send the upstream response on; a failure from here on can only cut it short."""
        response = answer.response
        try:
            await send({"type": "http.response.start", "status": response.status,
                        "headers": _response_headers(response.raw_headers, request.request_id)})
            if answer.body is not None:
                await send({"type": "http.response.body", "body": answer.body})
            else:
                await self._stream(request, send, response, answer.request_body_read)
        finally:
            response.release()
        return response.status

    async def _forward(self, request: ForwardedRequest) -> _Answer | Problem:
        """_exchange, inside a CLIENT span when the request is traced: the service's span continues from it."""
        if not trace.get_current_span().is_recording():
            return await self._exchange(request)
        with self.tracer.start_as_current_span(f"{request.method} {request.route.template}",
                                               kind=SpanKind.CLIENT, record_exception=False) as span:
            propagate.inject(_HeaderListSetter(request.headers))
            url = request.url()
            span.set_attributes({"http.request.method": request.method, "server.address": url.host or "",
                                 "server.port": url.port or 0, "url.full": str(url.with_query(None)),
                                 "marketplace.service": request.service})
            outcome = await self._exchange(request)
            if isinstance(outcome, _Answer):
                span.set_attribute("http.response.status_code", outcome.response.status)
            else:
                span.set_attribute("error.type", outcome.kind)
                span.set_status(StatusCode.ERROR)
            return outcome

    async def _exchange(self, request: ForwardedRequest) -> _Answer | Problem:
        """Send the request upstream: the service's answer, or a Problem."""
        session = self.pools.sessions.get(request.service)
        if session is None:
            return Problem(503, "the gateway is starting or stopping", kind="not-ready")
        body = request.body
        data = await body.read() if 0 <= body.length <= self.max_buffered_body else body.stream()
        response = None
        try:
            # The route's connect and sock_read timeouts bound the wait; no extra timer on the hot path.
            response = await session.request(request.method, request.url(), headers=request.headers, data=data,
                                             allow_redirects=False, timeout=request.client_timeout)
            small = response.content_length is not None and response.content_length <= self.max_buffered_body
            answer = _Answer(response, await response.read() if small else None, body.complete)
        except (TimeoutError, aiohttp.ClientError) as exc:
            if response is not None:
                response.close()
            # A failure while the client's body was still coming in is the client's, not the service's.
            return body.failure(exc) or self._upstream_problem(request, exc)
        if body.refusal is not None:
            response.close()
            return body.refusal
        return answer

    def _upstream_problem(self, request: ForwardedRequest, exc: Exception) -> Problem:
        service = request.service
        if isinstance(exc, TimeoutError):
            kind, status, detail = "timeout", 504, f"did not answer within {request.upstream_timeout:g} s"
        elif isinstance(exc, aiohttp.ClientConnectorError):
            kind, status, detail = "unavailable", 503, "is not reachable"
        else:
            kind, status, detail = "bad-response", 502, "sent a malformed response"
        self.metrics.upstream_error(service, kind)
        # The detail goes to the public; the upstream's address and the exception only to the log.
        log.warning("%s %s -> %s %s: %s", request.method, request.path, service, detail,
                    str(exc) or type(exc).__name__)
        return Problem(status, f"the {service} service {detail}", kind=f"upstream-{kind}", service=service)

    async def _stream(self, request: ForwardedRequest, send, response: aiohttp.ClientResponse,
                      request_body_read: bool) -> None:
        # Watch for the client leaving, so a large export stops being read from the service.
        gone = asyncio.ensure_future(_wait_disconnect(request.body.receive)) if request_body_read else None
        try:
            async for chunk in response.content.iter_any():
                if gone is not None and gone.done():
                    response.close()
                    return
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except (aiohttp.ClientError, TimeoutError) as exc:
            # Headers are out already; ending without the last chunk tells the client it is truncated.
            self.metrics.upstream_error(request.service, "stream-broken")
            log.warning("%s stream broke: %s", request.service, exc)
            response.close()
            return
        finally:
            if gone is not None:
                gone.cancel()
        await send({"type": "http.response.body", "body": b""})

    @staticmethod
    async def _problem(request: ForwardedRequest, send, problem: Problem) -> int:
        problem.headers[REQUEST_ID_HEADER] = request.request_id.decode("latin-1")
        await problem_response(problem, request.path)(request.scope, _no_receive, send)
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
    out.append((REQUEST_ID_NAME, request_id))
    return out


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


def _annotate(span: trace.Span, request: ForwardedRequest, status: int) -> None:
    span.set_attributes({"http.request.method": request.method, "url.path": request.path,
                         "http.route": request.route.template, "http.response.status_code": status,
                         "marketplace.service": request.service,
                         "marketplace.request_id": request.request_id.decode()})
    if status >= 500:
        span.set_status(StatusCode.ERROR)


async def _wait_disconnect(receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _no_receive():
    return {"type": "http.disconnect"}
