"""Production mode: tokens come from an external identity provider and are checked against its JWKS."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.main import create_app
from gateway.tests.conftest import asgi_gateway, settings_for
from gateway.tests.support import FakeIdentityProvider, closed_port_url, serve


@pytest.fixture(scope="module")
async def idp():
    provider = FakeIdentityProvider()
    async with serve(provider.app) as url:
        provider.url = url
        yield provider


@pytest.fixture
async def jwks_client(idp, upstreams):
    gateway = create_app(settings_for(suppliers_url=upstreams["suppliers"], jwks_url=f"{idp.url}/jwks.json",
                                      jwt_issuer=idp.issuer))
    async with asgi_gateway(gateway) as client:
        yield client


async def test_token_from_the_identity_provider_is_accepted(idp, jwks_client):
    token = idp.token("agency-officer-1", ["buyer", "not-a-role"])
    for _ in range(2):  # the second time comes from the cache
        response = await jwks_client.get("/api/v1/suppliers", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        assert response.json()["identity"] == {"sub": "agency-officer-1", "roles": ["buyer"]}


async def test_space_separated_roles_and_supplier_binding(idp, jwks_client):
    token = idp.token("sup-api", "supplier partner", supplier_id="sup-42")
    echo = (await jwks_client.get("/api/v1/suppliers", headers={"Authorization": f"Bearer {token}"})).json()
    assert echo["identity"] == {"sub": "sup-api", "roles": ["partner", "supplier"], "supplier_id": "sup-42"}
    unbound = idp.token("sup-api", ["supplier"])
    echo = (await jwks_client.get("/api/v1/suppliers", headers={"Authorization": f"Bearer {unbound}"})).json()
    assert echo["identity"]["roles"] == []


async def test_tokens_not_signed_by_the_identity_provider_are_401(idp, jwks_client):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for token in (idp.token("x", ["admin"], key=other), idp.token("x", ["admin"], ttl=-120),
                  idp.token("x", ["admin"], iss="https://evil.example")):
        response = await jwks_client.get("/api/v1/suppliers", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


async def test_the_gateway_does_not_issue_tokens_in_jwks_mode(jwks_client):
    response = await jwks_client.post("/api/v1/auth/token", data={"grant_type": "client_credentials"})
    assert response.status_code == 404
    document = (await jwks_client.get("/api/v1/openapi.json")).json()
    assert "/api/v1/auth/token" not in document["paths"]


async def test_identity_provider_down_is_503_not_401(idp, upstreams):
    gateway = create_app(settings_for(suppliers_url=upstreams["suppliers"], jwks_url=f"{closed_port_url()}/jwks.json",
                                      jwt_issuer=idp.issuer))
    async with asgi_gateway(gateway) as client:
        response = await client.get("/api/v1/suppliers", headers={"Authorization": f"Bearer {idp.token('x', [])}"})
    assert response.status_code == 503 and response.headers["content-type"] == "application/problem+json"


async def test_the_agency_comes_from_the_identity_providers_configured_claim(idp, upstreams):
    gateway = create_app(settings_for(suppliers_url=upstreams["suppliers"], jwks_url=f"{idp.url}/jwks.json",
                                      jwt_issuer=idp.issuer, agency_claim="org_agency"))
    async with asgi_gateway(gateway) as client:
        token = idp.token("officer-7", ["buyer"], org_agency=" Inland Revenue ", agency="Not This One")
        echo = (await client.get("/api/v1/suppliers", headers={"Authorization": f"Bearer {token}"})).json()
        assert echo["identity"] == {"sub": "officer-7", "roles": ["buyer"], "agency": "Inland Revenue"}
        without = idp.token("officer-8", ["buyer"], agency="Inland Revenue")  # not the configured claim
        echo = (await client.get("/api/v1/suppliers", headers={"Authorization": f"Bearer {without}"})).json()
        assert echo["identity"] == {"sub": "officer-8", "roles": ["buyer"]}
