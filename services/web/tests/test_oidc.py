"""OpenID Connect sign-in (authorization code with PKCE) against a fake issuer on loopback, with the real
gateway verifying the issuer's access tokens by its JWKS."""

from __future__ import annotations

import re

import httpx
import pytest

from servicekit.testing import RunningServer
from services.web.tests.conftest import CSRF
from services.web.tests.fake_issuer import FakeIssuer
from testsupport.stack import Stack


@pytest.fixture(scope="module")
async def issuer():
    fake = FakeIssuer()
    server = await RunningServer(fake.app()).start()
    fake.url = server.url
    yield fake
    await server.stop()


@pytest.fixture(scope="module")
async def oidc_site(broker, issuer, tmp_path_factory):
    """The pages and the gateway trusting the fake issuer, in front of the catalogue alone."""
    data = tmp_path_factory.mktemp("oidc-stack")
    stack = Stack(bootstrap_servers=broker.bootstrap_servers, services=("catalogue",),
                  database_urls={"catalogue": f"sqlite+aiosqlite:///{data / 'catalogue.db'}"})
    await stack.start(gateway_overrides={"jwks_url": f"{issuer.url}/jwks", "jwt_issuer": issuer.url},
                      web_overrides={"oidc_issuer": issuer.url})
    yield stack
    await stack.stop()


@pytest.fixture
async def visitor(oidc_site):
    async with httpx.AsyncClient(base_url=oidc_site.servers["gateway"].url, timeout=60) as client:
        yield client


async def sign_in(visitor: httpx.AsyncClient, next_path: str = "/shortlists") -> httpx.Response:
    """Through the button, the issuer and back, following each redirect as a browser would."""
    response = await visitor.get("/sign-in/start", params={"next": next_path})
    while response.is_redirect:
        response = await visitor.get(response.headers["location"])
    return response


async def test_sign_in_uses_the_code_flow_with_pkce_and_the_gateway_accepts_the_token(oidc_site, issuer, visitor):
    page = await visitor.get("/sign-in")
    assert 'href="/sign-in/start?next=/"' in page.text and 'name="client_id"' not in page.text, page.text[page.text.find("<main"):]
    arrived = await sign_in(visitor)
    assert arrived.status_code == 200 and arrived.url.path == "/shortlists"
    assert "Sign out (oidc-buyer)" in arrived.text
    token_request = issuer.token_requests[-1]
    assert token_request["grant_type"] == "authorization_code" and len(token_request["code_verifier"]) >= 43
    # A change through the gateway, as the issuer's buyer.
    created = await visitor.post("/shortlists", data={"csrf_token": CSRF.search(arrived.text).group(1),
                                                      "name": "Signed in by OIDC"})
    assert created.status_code == 303
    assert "Signed in by OIDC" in (await visitor.get(created.headers["location"])).text


async def test_the_development_sign_in_is_off_when_an_issuer_is_configured(visitor):
    response = await visitor.post("/sign-in", data={"client_id": "admin"})
    assert response.status_code == 404 and "mp_token" not in response.headers.get("set-cookie", "")


async def test_a_callback_with_another_state_or_no_flow_cookie_signs_no_one_in(visitor):
    start = await visitor.get("/sign-in/start")
    authorize = await visitor.get(start.headers["location"])
    callback = httpx.URL(authorize.headers["location"])
    forged = await visitor.get(callback.path, params={"code": callback.params["code"], "state": "not-the-state"})
    assert forged.status_code == 400 and "Sign-in did not complete" in forged.text
    assert "mp_token" not in forged.headers.get("set-cookie", "")
    visitor.cookies.delete("mp_oidc")
    stale = await visitor.get(callback.path, params=dict(callback.params))
    assert stale.status_code == 400


async def test_an_id_token_for_another_sign_in_is_refused(issuer, visitor):
    issuer.id_token_nonce = "someone-elses-nonce"
    try:
        response = await sign_in(visitor, "/")
    finally:
        issuer.id_token_nonce = None
    assert response.status_code == 400 and "not issued for this sign-in" in response.text
    assert "mp_token" not in visitor.cookies
    assert not re.search(r"Sign out", response.text)
