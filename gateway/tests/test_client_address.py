"""Rate-limit keys: the client's address comes from the peer, or from X-Forwarded-For of a trusted proxy."""

from __future__ import annotations

import httpx

from gateway.client_address import ClientAddresses
from gateway.main import create_app
from gateway.server import UVICORN_OPTIONS
from gateway.tests.conftest import asgi_gateway, basic, settings_for
from gateway.tests.support import serve

TOKEN_URL = "/api/v1/auth/token"
GRANT = {"grant_type": "client_credentials"}


def forwarded(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


async def test_rotating_x_forwarded_for_from_an_untrusted_peer_is_still_limited(upstreams):
    # Served the way the gateway runs in production (python -m gateway.main), from a loopback peer.
    gateway = create_app(settings_for(suppliers_url=upstreams["suppliers"], rate_limit_per_second=0.01,
                                      rate_limit_burst=2))
    async with serve(gateway, **UVICORN_OPTIONS) as url, httpx.AsyncClient(base_url=url) as client:
        statuses = [(await client.get("/api/v1/suppliers", headers=forwarded(f"198.51.100.{i}"))).status_code
                    for i in range(3)]
    assert statuses == [200, 200, 429]


async def test_rotating_x_forwarded_for_does_not_escape_the_token_endpoints_limit(upstreams):
    gateway = create_app(settings_for(suppliers_url=upstreams["suppliers"], token_rate_limit_per_second=0.01,
                                      token_rate_limit_burst=2))
    async with serve(gateway, **UVICORN_OPTIONS) as url, httpx.AsyncClient(base_url=url) as client:
        statuses = [(await client.post(TOKEN_URL, data=GRANT, headers=forwarded(f"198.51.100.{i}") | {
            "Authorization": basic(f"client-{i}", "a-guess")})).status_code for i in range(3)]
    assert statuses == [401, 401, 429]


async def test_an_untrusted_peers_x_forwarded_for_is_not_passed_on(upstreams):
    gateway = create_app(settings_for(suppliers_url=upstreams["suppliers"]))
    async with asgi_gateway(gateway) as client:
        echo = (await client.get("/api/v1/suppliers", headers=forwarded("198.51.100.1"))).json()
    assert dict(echo["headers"])["x-forwarded-for"] == "10.1.2.3"


async def test_a_trusted_proxys_forwarded_address_is_the_client(upstreams):
    # asgi_gateway's peer is 10.1.2.3, a trusted proxy here.
    gateway = create_app(settings_for(suppliers_url=upstreams["suppliers"], trusted_proxies=["10.0.0.0/8"],
                                      rate_limit_per_second=0.01, rate_limit_burst=2))
    async with asgi_gateway(gateway) as client:
        # The client wrote the left-most hop itself; the right-most untrusted one is what the proxy saw.
        spoofing = forwarded("192.0.2.1, 203.0.113.5, 10.9.9.9")
        first = await client.get("/api/v1/suppliers", headers=spoofing)
        second = await client.get("/api/v1/suppliers", headers=forwarded("192.0.2.2, 203.0.113.5"))
        third = await client.get("/api/v1/suppliers", headers=forwarded("203.0.113.5"))
        another_client = await client.get("/api/v1/suppliers", headers=forwarded("203.0.113.6"))
    assert [first.status_code, second.status_code, third.status_code] == [200, 200, 429]
    assert another_client.status_code == 200
    assert dict(first.json()["headers"])["x-forwarded-for"] == "192.0.2.1, 203.0.113.5, 10.9.9.9, 10.1.2.3"


def test_client_address_rules():
    addresses = ClientAddresses(["10.0.0.0/8", "::1"])

    def of(peer: str, *xff: str) -> str:
        headers = [(b"x-forwarded-for", value.encode()) for value in xff]
        return addresses.of({"client": (peer, 1), "headers": headers})

    assert of("198.51.100.1", "203.0.113.9") == "198.51.100.1"
    assert of("10.0.0.1") == "10.0.0.1"
    assert of("10.0.0.1", "203.0.113.9, 10.0.0.2") == "203.0.113.9"
    assert of("::1", "192.0.2.1", "203.0.113.9") == "203.0.113.9"
    assert of("10.0.0.1", "10.0.0.3, 10.0.0.2") == "10.0.0.3"
    assert of("10.0.0.1", "garbage, 10.0.0.2") == "10.0.0.2"
    assert ClientAddresses([]).of({"client": ("10.0.0.1", 1), "headers": [(b"x-forwarded-for", b"1.2.3.4")]}) \
        == "10.0.0.1"


async def test_the_token_endpoint_is_limited_per_client_id_across_addresses(upstreams):
    gateway = create_app(settings_for(suppliers_url=upstreams["suppliers"], trusted_proxies=["10.0.0.0/8"],
                                      token_client_rate_limit_per_second=0.01, token_client_rate_limit_burst=2))
    async with asgi_gateway(gateway) as client:
        guesses = [(await client.post(TOKEN_URL, data=GRANT, headers=forwarded(f"198.51.100.{i}") | {
            "Authorization": basic("admin", f"guess-{i}")})).status_code for i in range(3)]
        other_client = await client.post(TOKEN_URL, data=GRANT, headers=forwarded("198.51.100.9") | {
            "Authorization": basic("buyer", "buyer-dev-secret")})
    assert guesses == [401, 401, 429]
    assert other_client.status_code == 200


async def test_invalid_bearer_tokens_use_up_the_callers_address_budget(upstreams):
    gateway = create_app(settings_for(suppliers_url=upstreams["suppliers"], rate_limit_per_second=0.01,
                                      rate_limit_burst=3))
    async with asgi_gateway(gateway) as client:
        guesses = [(await client.get("/api/v1/suppliers", headers={"Authorization": f"Bearer forged-{i}"})).status_code
                   for i in range(4)]
        anonymous = await client.get("/api/v1/suppliers")
    assert guesses == [401, 401, 401, 429]
    assert anonymous.status_code == 429
    assert anonymous.headers["content-type"] == "application/problem+json"
