"""The request path every service shares: gateway identity, request id, trace span, latency.

A plain ASGI middleware (not BaseHTTPMiddleware) because it sits on every request's hot path.
"""

from __future__ import annotations

import logging
import random
import re
import time

from opentelemetry import propagate, trace
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit.db import database_unavailable, unavailable_problem
from servicekit.identity import IDENTITY_HEADER, REQUEST_ID_HEADER, IdentityVerifier, InvalidIdentity
from servicekit.problems import Problem, problem_response
from servicekit.telemetry import ServiceMetrics, request_id_var

OPEN_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
tracer = trace.get_tracer("servicekit.http")
log = logging.getLogger("servicekit.problems")
NUL_REFUSED = Problem(400, "the path or query contains a NUL character, which no field may hold",
                      kind="bad-request")
INTERNAL_ERROR = Problem(500, "the service failed to handle this request; it has been logged", kind="internal-error")


class ServiceRequestMiddleware:
    """Rejects requests without the gateway's signed identity; traces and times the rest."""

    def __init__(self, app: ASGIApp, *, verifier: IdentityVerifier, metrics: ServiceMetrics):
        self.app = app
        self.verifier = verifier
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        request_id = headers.get(REQUEST_ID_HEADER, "")
        if not SANE_REQUEST_ID.match(request_id):
            # Not a secret, only unique: random bits are several times cheaper than uuid4's os.urandom.
            request_id = f"{random.getrandbits(128):032x}"
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status_holder = {"status": 500}

        async def send_with_request_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = True
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (REQUEST_ID_HEADER.encode(), request_id.encode())]
            await send(message)

        try:
            context = propagate.extract(headers)
            # Named "{method} {route}" once routing has found the route; the method alone until then, as the
            # HTTP conventions say (a raw path would give every record its own span name).
            with tracer.start_as_current_span(scope["method"], context=context, kind=trace.SpanKind.SERVER) as span:
                span.set_attribute("http.request.method", scope["method"])
                span.set_attribute("url.path", scope["path"])
                span.set_attribute("request.id", request_id)
                try:
                    identity = await self.verifier.verify_fresh(headers.get(IDENTITY_HEADER, ""))
                except InvalidIdentity:
                    problem = Problem(401, "requests reach this service only through the gateway", kind="unauthenticated")
                    await problem_response(problem, scope["path"])(scope, receive, send_with_request_id)
                    return
                scope.setdefault("state", {})["identity"] = identity
                if _carries_nul(scope):
                    # PostgreSQL cannot store or compare a NUL; refused here once for every parameter.
                    await problem_response(NUL_REFUSED, scope["path"])(scope, receive, send_with_request_id)
                    return
                try:
                    await self.app(scope, receive, send_with_request_id)
                except Exception as exc:
                    if "started" in status_holder:
                        raise
                    # Answered here rather than by the server-error handler outside this middleware,
                    # so the 500 carries the request id and its log line the request and trace ids.
                    span.record_exception(exc)
                    if database_unavailable(exc):  # raised outside the request's session
                        log.warning("database unavailable on %s %s: %s", scope["method"], scope["path"], exc)
                        self.metrics.database_unavailable.labels("request").inc()
                        problem = unavailable_problem()
                    else:
                        log.exception("unhandled error on %s %s", scope["method"], scope["path"])
                        problem = INTERNAL_ERROR
                    await problem_response(problem, scope["path"])(scope, receive, send_with_request_id)
                span.set_attribute("http.response.status_code", status_holder["status"])
                if (template := getattr(scope.get("route"), "path", None)) is not None:
                    span.update_name(f"{scope['method']} {template}")
                    span.set_attribute("http.route", template)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            self.metrics.request_seconds.labels(scope["method"], template, str(status_holder["status"])).observe(
                time.perf_counter() - started)
            request_id_var.reset(token)


def body_too_large(max_bytes: int) -> Problem:
    return Problem(413, f"the request body is larger than the {max_bytes} bytes this service accepts",
                   kind="content-too-large", title="Content Too Large", max_bytes=max_bytes)


class BodyTooLarge(HTTPException):
    """Raised from `receive` once a streamed body passes the limit. An HTTP exception because FastAPI
    passes those on while it reads a body, and turns any other error there into a 400."""

    def __init__(self, max_bytes: int):
        super().__init__(413)
        self.max_bytes = max_bytes


async def on_body_too_large(request: Request, exc: BodyTooLarge) -> Response:
    return problem_response(body_too_large(exc.max_bytes), request.url.path)


class BodyLimitMiddleware:
    """Refuses a request body over `max_bytes`: at once when Content-Length says so, without reading it;
    otherwise as soon as the chunks received pass the limit, so an unannounced body is never buffered whole."""

    def __init__(self, app: ASGIApp, *, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await problem_response(body_too_large(self.max_bytes), scope["path"])(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, limited_receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _carries_nul(scope: Scope) -> bool:
    """Whether the decoded path or the raw query string holds a NUL character."""
    query = scope.get("query_string", b"")
    return "\x00" in scope["path"] or b"\x00" in query or b"%00" in query
