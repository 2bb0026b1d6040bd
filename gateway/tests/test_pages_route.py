"""Paths outside /api/v1/ go to the web pages; the API's routes and the gateway's own come first."""

from __future__ import annotations

import contextlib

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.main import create_app
from gateway.tests.conftest import settings_for
from gateway.tests.support import IDENTITY_KEYS, closed_port_url, fake_service, serve
from servicekit.identity import IDENTITY_HEADER, verify_identity


def pages() -> Starlette:
    """A stand-in for the web service: says which path and cookies reached it, and sets a cookie."""

    async def page(request):
        identity = verify_identity(request.headers[IDENTITY_HEADER], IDENTITY_KEYS, audience="web").claims()
        return JSONResponse({"service": "web", "path": request.url.path, "query": request.url.query,
                             "cookie": request.headers.get("cookie"), "identity": identity},
                            headers={"set-cookie": "mp_csrf=abc; Path=/; HttpOnly; SameSite=Lax"})

    return Starlette(routes=[Route("/{path:path}", page, methods=["GET", "POST"])])


@pytest.fixture(scope="module")
async def edge():
    async with contextlib.AsyncExitStack() as stack:
        catalogue = await stack.enter_async_context(serve(fake_service("catalogue", "offerings", ["type", "title"])))
        web = await stack.enter_async_context(serve(pages()))
        down = closed_port_url()
        settings = settings_for(catalogue_url=catalogue, web_url=web, suppliers_url=down, accreditation_url=down,
                                training_url=down, hub_url=down)
        url = await stack.enter_async_context(serve(create_app(settings), proxy_headers=False))
        yield await stack.enter_async_context(httpx.AsyncClient(base_url=url, timeout=10))


@pytest.mark.parametrize("path", ["/", "/assets/site.css", "/offerings", "/training/abc", "/not-api"])
async def test_paths_outside_the_api_reach_the_pages_as_anonymous_callers(edge, path):
    response = await edge.get(path, params={"q": "kōrero"}, headers={"cookie": "mp_token=t"})
    assert response.status_code == 200
    body = response.json()
    assert body["service"] == "web" and body["path"] == path and body["query"] == "q=k%C5%8Drero"
    assert body["cookie"] == "mp_token=t" and body["identity"]["roles"] == []
    assert response.headers["set-cookie"].startswith("mp_csrf=abc")


async def test_api_routes_and_the_gateways_own_paths_come_first(edge):
    assert (await edge.get("/api/v1/offerings")).json()["service"] == "catalogue"
    unknown = await edge.get("/api/v1/nonsense")
    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/problem+json"
    assert (await edge.get("/healthz")).json() == {"status": "ok"}
    # The pages' operations endpoints are no more public than the gateway's.
    for path in ("/metrics", "/readyz"):
        assert (await edge.get(path)).status_code == 404


async def test_pages_down_is_503(edge):
    settings = settings_for(web_url=closed_port_url())
    async with serve(create_app(settings), proxy_headers=False) as url, httpx.AsyncClient(base_url=url) as client:
        response = await client.get("/")
    assert response.status_code == 503 and "web" in response.json()["detail"]
