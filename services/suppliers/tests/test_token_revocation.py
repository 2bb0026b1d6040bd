"""A supplier's access token stops working soon after its secret is rotated or the supplier is deregistered,
through the real gateway and suppliers service (the gateway asks the suppliers service for the client's
standing, cached for a short time set here)."""

import httpx
import pytest

from servicekit.identity import INTERNAL_ROLE, Identity
from servicekit.testing import eventually, identity_headers
from gateway.auth import Client
from testsupport.helpers import supplier_body
from testsupport.stack import Stack

CACHE_SECONDS = 0.5
# Far below the token's hour: the gateway's check must be what ends it.
WITHIN_SECONDS = 15


@pytest.fixture
async def stack(broker, database_urls):
    running = Stack(bootstrap_servers=broker.bootstrap_servers, services=("suppliers",),
                    database_urls={"suppliers": await database_urls("suppliers")})
    await running.start(gateway_overrides={"client_check_cache_seconds": CACHE_SECONDS})
    yield running
    await running.stop()


async def verified_supplier(stack) -> dict:
    supplier = (await stack.client.post("/api/v1/suppliers", json=supplier_body())).json()
    verified = await stack.client.post(f"/api/v1/suppliers/{supplier['id']}/verify", headers=await stack.as_role("admin"))
    assert verified.status_code == 200, verified.text
    return supplier


async def refused(stack, url: str, headers: dict) -> None:
    async def answered_401():
        response = await stack.client.get(url, headers=headers)
        assert response.status_code in (200, 401), response.text
        return response.status_code == 401 and response
    response = await eventually(answered_401, timeout=WITHIN_SECONDS)
    assert response.json()["type"].endswith("invalid-token")
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


async def test_a_token_stops_working_after_rotation_and_after_deregistration(stack):
    supplier = await verified_supplier(stack)
    url = f"/api/v1/suppliers/{supplier['id']}"
    before = await stack.as_supplier(supplier["credentials"])
    assert (await stack.client.get(url, headers=before)).status_code == 200

    rotated = await stack.client.post(f"{url}/credentials/rotate", headers=before)
    assert rotated.status_code == 200, rotated.text
    await refused(stack, url, before)
    after = await stack.as_supplier(rotated.json())
    assert (await stack.client.get(url, headers=after)).status_code == 200

    deregistered = await stack.client.post(f"{url}/deregister", headers=await stack.as_role("admin"))
    assert deregistered.status_code == 200, deregistered.text
    await refused(stack, url, after)


async def test_a_token_of_a_client_unknown_to_the_suppliers_service_is_refused(stack):
    # Signed by the gateway's own key, as a token of a client the suppliers service never had would be.
    issuer = stack.servers["gateway"].app.state.issuer
    token = issuer.issue(Client("sup_0000000000000000", frozenset({"supplier"}), "nobody", version=1),
                         frozenset({"supplier"}))
    response = await stack.client.get("/api/v1/suppliers", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, response.text


async def test_only_the_gateway_may_ask_a_clients_standing(stack):
    supplier = await verified_supplier(stack)
    client_id = supplier["credentials"]["client_id"]
    url = f"{stack.servers['suppliers'].url}/internal/clients/{client_id}"
    async with httpx.AsyncClient() as direct:
        as_gateway = identity_headers(Identity("gateway", frozenset({INTERNAL_ROLE})), "suppliers")
        standing = await direct.get(url, headers=as_gateway)
        assert standing.status_code == 200, standing.text
        assert standing.json() == {"client_id": client_id, "supplier_id": supplier["id"], "version": 1,
                                   "may_sign_in": True}
        as_admin = identity_headers(Identity("admin", frozenset({"admin"})), "suppliers")
        assert (await direct.get(url, headers=as_admin)).status_code == 404
        # The gateway's internal identity, but minted for another service: refused before any route.
        for_the_hub = identity_headers(Identity("gateway", frozenset({INTERNAL_ROLE})), "hub")
        assert (await direct.get(url, headers=for_the_hub)).status_code == 401
    # Through the gateway the internal route does not exist.
    assert (await stack.client.get(f"/internal/clients/{client_id}")).status_code == 404
