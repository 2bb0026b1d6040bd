"""Rate limiting and trace propagation, on gateways built for each test."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from gateway.auth import Client
from gateway.main import create_app
from gateway.ratelimit import TokenBucketLimiter
from gateway.tests.conftest import asgi_gateway, settings_for

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
INCOMING = f"00-{TRACE_ID}-b7ad6b7169203331-01"


def upstream_headers(response) -> dict[str, str]:
    return dict(response.json()["headers"])


async def test_over_the_limit_is_429_with_retry_after(upstreams):
    gateway = create_app(settings_for(suppliers_url=upstreams["suppliers"], rate_limit_per_second=0.5,
                                      rate_limit_burst=2))
    async with asgi_gateway(gateway) as client:
        statuses = [(await client.get("/api/v1/suppliers")).status_code for _ in range(2)]
        limited = await client.get("/api/v1/suppliers")
        other_endpoint = await client.get("/api/v1/openapi.json")
    assert statuses == [200, 200]
    assert limited.status_code == 429 and limited.headers["content-type"] == "application/problem+json"
    assert int(limited.headers["retry-after"]) >= 1
    assert other_endpoint.status_code == 429


async def test_limits_are_per_client(upstreams):
    gateway = create_app(settings_for(suppliers_url=upstreams["suppliers"], rate_limit_per_second=0.5,
                                      rate_limit_burst=1))
    async with asgi_gateway(gateway) as client:
        anonymous = [(await client.get("/api/v1/suppliers")).status_code for _ in range(2)]
        token = gateway.state.issuer.issue(Client("admin", frozenset({"admin"})), frozenset({"admin"}))
        with_token = await client.get("/api/v1/suppliers", headers={"Authorization": f"Bearer {token}"})
    assert anonymous == [200, 429] and with_token.status_code == 200


def test_token_bucket_refills():
    now = [0.0]
    limiter = TokenBucketLimiter(2.0, 2, clock=lambda: now[0])
    assert [limiter.take("k") for _ in range(3)] == [0, 0, 1]
    now[0] = 0.5
    assert limiter.take("k") == 0 and limiter.take("k") == 1
    assert limiter.take("other") == 0


async def test_traceparent_continues_the_callers_trace(upstreams):
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    gateway = create_app(settings_for(suppliers_url=upstreams["suppliers"]), tracer_provider=provider)
    async with asgi_gateway(gateway) as client:
        response = await client.get("/api/v1/suppliers/s-1", headers={"traceparent": INCOMING})
    sent = upstream_headers(response)["traceparent"]
    _, trace_id, parent_id, _ = sent.split("-")
    (span,) = [s for s in exporter.get_finished_spans() if s.kind == SpanKind.SERVER]
    (forward,) = [s for s in exporter.get_finished_spans() if s.kind == SpanKind.CLIENT]
    assert trace_id == TRACE_ID and parent_id != "b7ad6b7169203331"
    # The service continues from the forward, which is the server span's child.
    assert parent_id == format(forward.context.span_id, "016x") and forward.parent.span_id == span.context.span_id
    assert span.parent.span_id == int("b7ad6b7169203331", 16)
    assert span.attributes["http.response.status_code"] == 200 and span.attributes["http.route"] == "/api/v1/suppliers"
    assert forward.name == "GET /api/v1/suppliers" and forward.attributes["http.response.status_code"] == 200
    assert forward.attributes["url.full"].endswith("/api/v1/suppliers/s-1")


async def test_without_a_tracer_the_callers_trace_context_passes_through(upstreams, monkeypatch):
    # Other tests in the same process may have installed a provider; this one is about having none.
    monkeypatch.setattr("gateway.proxy.trace.get_tracer_provider", lambda: trace.NoOpTracerProvider())
    gateway = create_app(settings_for(suppliers_url=upstreams["suppliers"]))
    async with asgi_gateway(gateway) as client:
        response = await client.get("/api/v1/suppliers", headers={"traceparent": INCOMING, "tracestate": "a=1"})
    sent = upstream_headers(response)
    assert sent["traceparent"] == INCOMING and sent["tracestate"] == "a=1"

