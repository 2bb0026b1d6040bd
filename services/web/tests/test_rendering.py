"""The pieces of rendering on their own: words for codes, te reo detection, charts, the search form, API errors."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import httpx
import pytest
from fastapi import Depends, FastAPI
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from web.api import Api, ApiError
from web.labels import is_maori_text, label, money
from web.offerings.service import Filters
from web.pages import query_string
from web.registry.charts import Bar, bar_chart
from web.session import CSRF_COOKIE, SecurityMiddleware, check_csrf, csrf_token
from web.settings import WebSettings
from servicekit.identity import DEV_JWKS, development_signer

SVG = "{http://www.w3.org/2000/svg}"


def test_codes_read_as_words():
    assert label("new_zealand") == "New Zealand" and label("iso_iec_42001") == "ISO/IEC 42001"
    assert label(True) == "Yes" and label(False) == "No" and label(None) == ""
    assert label("something_unknown") == "Something unknown"
    assert money(0) == "Free" and money(1500) == "$1,500" and money(12.5) == "$12.50"


@pytest.mark.parametrize("text, maori", [
    ("Mākete AI", True), ("Te reo Māori", True), ("Kōrero mō te hauora", True), ("Kaupapa Māori", True),
    ("Document summarisation", False), ("AI for Māori health providers in Aotearoa and the Pacific", False),
    ("", False),
])
def test_te_reo_maori_names_are_told_from_english_ones(text, maori):
    assert is_maori_text(text) is maori


def test_a_chart_is_accessible_svg_with_bars_in_proportion():
    svg = str(bar_chart("by-type", "Entries by type", [Bar("Offerings", 30), Bar("Courses", 15), Bar("<none>", 0)]))
    root = ElementTree.fromstring(svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "by-type-t by-type-d"
    assert root.find(f"{SVG}title").text == "Entries by type"
    assert root.find(f"{SVG}desc").text == "Offerings: 30, Courses: 15, <none>: 0"
    widths = [int(rect.get("width")) for rect in root.iter(f"{SVG}rect")]
    assert widths[0] == 2 * widths[1] and widths[2] == 0


def test_an_empty_chart_still_draws():
    root = ElementTree.fromstring(str(bar_chart("empty", "Nothing", [])))
    assert root.find(f"{SVG}desc").text == "no data" and not list(root.iter(f"{SVG}rect"))


def test_the_search_form_passes_on_only_the_apis_parameters():
    filters = Filters.from_query([("q", " chat "), ("category", "a"), ("category", "b"), ("sort", "name"),
                                  ("sort", "created"), ("price_min", ""), ("evil", "1"), ("page", "2")])
    assert filters.params() == [("q", "chat"), ("category", "a"), ("category", "b"), ("sort", "name")]
    assert filters.narrowed and not Filters.from_query([("q", "x"), ("sort", "name")]).narrowed
    assert query_string(filters.params(), cursor="c1", q=None) == "?category=a&category=b&sort=name&cursor=c1"


def test_a_validation_problem_names_the_form_fields():
    response = httpx.Response(422, json={"title": "Unprocessable", "detail": "bad", "errors": [
        {"field": "query:price_min", "message": "must be at least 0"}, {"field": "body:items.0.notes", "message": "x"}]})
    error = ApiError.from_response(response)
    assert error.status == 422 and error.errors == [("price_min", "must be at least 0"), ("notes", "x")]
    assert ApiError.from_response(httpx.Response(502, text="<html>")).title == "Bad Gateway"


async def test_every_api_call_carries_the_token_and_what_is_passed_on():
    seen = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return httpx.Response(200, json={})

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer), base_url="http://gateway") as client:
        await Api(client, "tok", {"x-forwarded-for": "203.0.113.9"}).get("/api/v1/offerings")
        await Api(client, None).get("/api/v1/offerings")
    assert seen[0]["authorization"] == "Bearer tok" and seen[0]["x-forwarded-for"] == "203.0.113.9"
    assert "authorization" not in seen[1]


async def test_the_gateway_unreachable_is_a_503_error():
    def refuse(request):
        raise httpx.ConnectError("refused")

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse), base_url="http://gateway") as client:
        with pytest.raises(ApiError) as raised:
            await Api(client, None).get("/api/v1/offerings")
    assert raised.value.status == 503


def csrf_app() -> FastAPI:
    app = FastAPI()
    app.state.settings = WebSettings(environment="development")
    app.add_middleware(SecurityMiddleware, secure_cookies=False)

    @app.get("/form")
    async def form(request: Request):
        return PlainTextResponse(csrf_token(request))

    @app.post("/change", dependencies=[Depends(check_csrf)])
    async def change():
        return PlainTextResponse("changed")

    return app


async def test_csrf_tokens_bind_to_the_browsers_cookie():
    app = csrf_app()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://web") as browser:
        first = await browser.get("/form")
        cookie = first.headers["set-cookie"]
        assert cookie.startswith(f"{CSRF_COOKIE}=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie
        token = first.text
        again = await browser.get("/form")
        assert "set-cookie" not in again.headers and again.text == token
        assert (await browser.post("/change", data={"csrf_token": token})).text == "changed"
        assert (await browser.post("/change", data={"csrf_token": "0" * 64})).status_code == 403
        assert (await browser.post("/change", data={})).status_code == 403
    async with httpx.AsyncClient(transport=transport, base_url="http://web") as other:
        # Another browser (another cookie) cannot use the first one's token.
        await other.get("/form")
        assert (await other.post("/change", data={"csrf_token": token})).status_code == 403


def test_outside_development_the_cookie_secret_must_be_set():
    development_signer()  # makes the key pair whose public JWKS production settings point at
    with pytest.raises(ValueError, match="cookie_secret"):
        WebSettings(environment="production", identity_jwks=str(DEV_JWKS))
    settings = WebSettings(environment="production", identity_jwks=str(DEV_JWKS), cookie_secret="y" * 40)
    assert settings.secure_cookies


async def test_the_gateway_down_is_a_readable_503_page():
    from servicekit.identity import Identity
    from servicekit.testing import identity_headers
    from web.main import build

    app = build(WebSettings(environment="development", gateway_url="http://127.0.0.1:9"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://web") as browser:
            response = await browser.get("/offerings", headers=identity_headers(Identity("anonymous", frozenset()), "web"))
            ready = await browser.get("/readyz")
            direct = await browser.get("/offerings")
    assert response.status_code == 503 and "Sorry, the service is unavailable" in response.text
    assert "Traceback" not in response.text and response.headers["content-type"].startswith("text/html")
    assert ready.status_code == 503
    # Without the gateway's signed identity the pages answer nothing.
    assert direct.status_code == 401
