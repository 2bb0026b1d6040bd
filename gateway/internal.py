"""The gateway's own requests (not forwarded): a request id, a span, metrics and, under /api/v1, the rate limit."""

from __future__ import annotations

from time import perf_counter

from opentelemetry import propagate
from opentelemetry.trace import SpanKind

from gateway.client_address import client_key
from gateway.ratelimit import rate_limited
from gateway.request_ids import REQUEST_ID_NAME, request_id_of
from gateway.routes import API_PREFIX
from gateway.state import GatewayState
from servicekit.problems import problem_response

# Internal endpoints are their own http.route; anything else unmatched has none ("").
_INTERNAL_LABELS = {f"{API_PREFIX}auth/token", f"{API_PREFIX}auth/jwks.json", f"{API_PREFIX}openapi.json",
                    f"{API_PREFIX}docs", "/healthz"}
# The client registry's requests share one label, whatever client they name.
_CLIENTS_LABEL = f"{API_PREFIX}clients"


class InternalRequests:
    """ASGI wrapper around the app of the gateway's own endpoints."""

    def __init__(self, app, state: GatewayState):
        self.app = app
        self.state = state

    async def __call__(self, scope, receive, send) -> None:
        started = perf_counter()
        request_id = request_id_of(_header(scope, REQUEST_ID_NAME))
        status = 500

        async def send_with_id(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (REQUEST_ID_NAME, request_id)]
            await send(message)

        carrier = {k: v for k in ("traceparent", "tracestate") if (v := _header_str(scope, k.encode()))}
        context = propagate.extract(carrier) if carrier else None
        path = scope["path"]
        label = path if path in _INTERNAL_LABELS else _CLIENTS_LABEL if path.startswith(_CLIENTS_LABEL) else ""
        state = self.state
        # Named "{method} {route}", or the method alone when no route matched (the HTTP span convention).
        name = f"{scope['method']} {label}" if label else scope["method"]
        with state.tracer.start_as_current_span(name, context=context, kind=SpanKind.SERVER):
            try:
                wait = state.limiter.take(client_key(scope, state.addresses)) if path.startswith(API_PREFIX) else 0
                if wait:
                    await problem_response(rate_limited(wait), path)(scope, receive, send_with_id)
                else:
                    await self.app(scope, receive, send_with_id)
            finally:
                state.metrics.observe(scope["method"], label, status, perf_counter() - started)


def _header(scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return value
    return None


def _header_str(scope, name: bytes) -> str | None:
    value = _header(scope, name)
    return value.decode("latin-1") if value is not None else None
