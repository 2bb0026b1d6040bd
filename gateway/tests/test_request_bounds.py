"""Bounds on each request: body size, whole-request deadline, a connection pool per service."""

from __future__ import annotations

import asyncio
import contextlib
import json

import httpx
import pytest

from gateway.main import create_app
from gateway.server import UVICORN_OPTIONS
from gateway.tests.conftest import settings_for
from gateway.tests.support import RecordingService, chunk, fake_service, raw_exchange, serve
from servicekit.testing import eventually

LIMIT = 1000
LOGO_LIMIT = 5000


@contextlib.asynccontextmanager
async def gateway_before(service: RecordingService, **overrides):
    """A gateway on a real socket whose suppliers service is `service`; yields its URL."""
    async with serve(service.app) as upstream:
        settings = settings_for(suppliers_url=upstream, max_request_body_bytes=LIMIT,
                                route_body_limits={"/api/v1/suppliers/*/logo": LOGO_LIMIT})
        settings = settings.model_copy(update=overrides)
        async with serve(create_app(settings), **UVICORN_OPTIONS) as url:
            yield url


def assert_problem(status: int, headers: dict[str, str], body: bytes, expected: int) -> dict:
    assert status == expected, body
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["status"] == expected and problem["type"].startswith("https://")
    return problem


async def test_a_declared_body_over_the_limit_is_refused_before_it_is_read():
    service = RecordingService()
    async with gateway_before(service) as url:
        # 150 MiB announced, not a byte sent: the answer must come from the header alone.
        answer = await raw_exchange(url, "POST /api/v1/suppliers HTTP/1.1\nHost: gw\n"
                                         f"Content-Length: {150 * 1024 * 1024}\nContent-Type: application/json\n")
    problem = assert_problem(*answer, 413)
    assert problem["limit"] == LIMIT and str(LIMIT) in problem["detail"]
    assert service.completed == []


async def test_a_chunked_body_is_cut_off_once_it_passes_the_limit():
    service = RecordingService()
    async with gateway_before(service) as url:
        parts = [chunk(b"x" * 400) for _ in range(4)]  # 1600 bytes, never terminated
        answer = await raw_exchange(url, "POST /api/v1/suppliers HTTP/1.1\nHost: gw\n"
                                         "Transfer-Encoding: chunked\n", *parts)
    assert_problem(*answer, 413)
    assert all(length <= LIMIT for length in service.completed)


async def test_bodies_within_the_limits_pass_and_a_route_may_take_more():
    service = RecordingService()
    async with gateway_before(service) as url, httpx.AsyncClient(base_url=url) as client:
        at_limit = await client.post("/api/v1/suppliers", content=b"x" * LIMIT)
        logo = await client.put("/api/v1/suppliers/s-1/logo", content=b"x" * LOGO_LIMIT)

        async def chunks():
            for _ in range(4):
                yield b"y" * 1000
        chunked_logo = await client.put("/api/v1/suppliers/s-1/logo", content=chunks())
        too_large_logo = await client.put("/api/v1/suppliers/s-1/logo", content=b"x" * (LOGO_LIMIT + 1))
    assert at_limit.json() == {"body_length": LIMIT}
    assert logo.json() == {"body_length": LOGO_LIMIT} and chunked_logo.json() == {"body_length": 4000}
    assert too_large_logo.status_code == 413
    assert service.completed == [LIMIT, LOGO_LIMIT, 4000]


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
async def test_a_body_sent_too_slowly_is_408(framing):
    service = RecordingService()
    async with gateway_before(service, request_deadline_seconds=1.0) as url:
        if framing == "chunked":
            head, first = "Transfer-Encoding: chunked\n", chunk(b"x" * 10)
        else:
            head, first = "Content-Length: 100\n", b"x" * 10
        # Ten bytes of the body, then nothing: the client stalls with the request half sent.
        answer = await raw_exchange(url, f"POST /api/v1/suppliers HTTP/1.1\nHost: gw\n{head}", first)
    problem = assert_problem(*answer, 408)
    assert "1 s" in problem["detail"]
    assert service.completed == []


async def test_headers_sent_too_slowly_are_408():
    service = RecordingService()
    async with gateway_before(service, request_deadline_seconds=1.0) as url:
        # The request line and one header, and never the blank line that ends the headers.
        answer = await raw_exchange(url, "GET /api/v1/suppliers HTTP/1.1\nHost: gw\nX-Slow: 1")
    problem = assert_problem(*answer, 408)
    assert "headers" in problem["detail"]
    assert service.completed == []


async def test_a_slow_service_holding_its_whole_pool_does_not_starve_another():
    slow = RecordingService()
    async with serve(slow.app) as suppliers, serve(fake_service("catalogue", "offerings", ["type"])) as catalogue:
        # Two connections per service; one second for a service to answer, but a minute for the held route.
        settings = settings_for(suppliers_url=suppliers, catalogue_url=catalogue, upstream_connection_limit=2,
                                upstream_timeout_seconds=1.0, route_timeouts={"/api/v1/suppliers/held*": 60})
        async with serve(create_app(settings), **UVICORN_OPTIONS) as url, \
                httpx.AsyncClient(base_url=url, timeout=None) as client:
            held = [asyncio.create_task(client.get("/api/v1/suppliers/held")) for _ in range(2)]

            async def pool_taken():
                return slow.held == 2
            await eventually(pool_taken)
            other = await client.get("/api/v1/offerings")
            slow.release.set()
            released = await asyncio.gather(*held)
    assert other.status_code == 200, other.text
    assert other.json()["service"] == "catalogue"
    assert [r.status_code for r in released] == [200, 200]
