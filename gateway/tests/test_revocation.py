"""Supplier tokens end soon after a rotation or deregistration: the gateway checks each client's standing with
the suppliers service (GET /internal/clients/{id}), cached briefly, shared by concurrent requests, 503 when
it cannot be told."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.auth import Client
from gateway.main import create_app
from gateway.tests.conftest import asgi_gateway, settings_for
from gateway.tests.support import IDENTITY_KEYS, serve
from servicekit.identity import IDENTITY_HEADER, INTERNAL_ROLE, verify_identity
from servicekit.testing import eventually

CLIENT = "sup_00000000000000aa"
SUPPLIER = {"roles": frozenset({"supplier"})}


class FakeSuppliers:
    """The suppliers service's standing route, answering what the test sets, counting the look-ups."""

    def __init__(self) -> None:
        self.standing: dict | None = {"client_id": CLIENT, "supplier_id": "s-1", "version": 1, "may_sign_in": True}
        self.status = 200
        self.lookups = 0
        self.hold: asyncio.Event | None = None

    async def lookup(self, request: Request) -> JSONResponse:
        identity = verify_identity(request.headers[IDENTITY_HEADER], IDENTITY_KEYS, audience="suppliers")
        assert identity.has_role(INTERNAL_ROLE) and request.path_params["client_id"] == CLIENT
        self.lookups += 1
        if self.hold is not None:
            await self.hold.wait()
        if self.standing is None:
            return JSONResponse({"detail": "no such client"}, status_code=404)
        return JSONResponse(self.standing, status_code=self.status)

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/internal/clients/{client_id}", self.lookup),
            Route("/api/v1/suppliers", lambda request: JSONResponse({"data": []})),
        ])


@contextlib.asynccontextmanager
async def gateway_before(suppliers: FakeSuppliers, cache_seconds: float = 30.0):
    async with serve(suppliers.app()) as url:
        gateway = create_app(settings_for(suppliers_url=url, client_check_cache_seconds=cache_seconds))
        async with asgi_gateway(gateway) as client:
            yield gateway, client


def bearer(gateway, version: int | None = 1) -> dict[str, str]:
    token = gateway.state.issuer.issue(Client(CLIENT, SUPPLIER["roles"], "s-1", version=version), SUPPLIER["roles"])
    return {"Authorization": f"Bearer {token}"}


async def test_the_standing_is_cached():
    suppliers = FakeSuppliers()
    async with gateway_before(suppliers) as (gateway, client):
        headers = bearer(gateway)
        for _ in range(3):
            assert (await client.get("/api/v1/suppliers", headers=headers)).status_code == 200
        assert suppliers.lookups == 1


async def test_a_rotated_client_loses_its_tokens_once_the_cached_standing_runs_out():
    suppliers = FakeSuppliers()
    async with gateway_before(suppliers, cache_seconds=0.3) as (gateway, client):
        headers = bearer(gateway)
        assert (await client.get("/api/v1/suppliers", headers=headers)).status_code == 200
        suppliers.standing = suppliers.standing | {"version": 2}

        async def refused():
            response = await client.get("/api/v1/suppliers", headers=headers)
            return response.status_code == 401 and response
        assert "rotated" in (await eventually(refused, timeout=10)).json()["detail"]
        assert (await client.get("/api/v1/suppliers", headers=bearer(gateway, version=2))).status_code == 200


async def test_a_token_of_the_new_secret_works_at_once_though_the_old_standing_is_cached():
    suppliers = FakeSuppliers()
    async with gateway_before(suppliers) as (gateway, client):
        assert (await client.get("/api/v1/suppliers", headers=bearer(gateway))).status_code == 200
        suppliers.standing = suppliers.standing | {"version": 2}
        assert (await client.get("/api/v1/suppliers", headers=bearer(gateway, version=2))).status_code == 200
        assert suppliers.lookups == 2
        # And the fresh standing now ends the old token too, without waiting for the cache to run out.
        assert (await client.get("/api/v1/suppliers", headers=bearer(gateway))).status_code == 401


@pytest.mark.parametrize("standing, reason", [
    ({"client_id": CLIENT, "supplier_id": "s-1", "version": 1, "may_sign_in": False}, "may no longer sign in"),
    (None, "may no longer sign in"),
], ids=["deregistered", "unknown"])
async def test_a_client_that_may_no_longer_sign_in_is_refused(standing, reason):
    suppliers = FakeSuppliers()
    suppliers.standing = standing
    async with gateway_before(suppliers) as (gateway, client):
        refused = await client.get("/api/v1/suppliers", headers=bearer(gateway))
        assert refused.status_code == 401 and reason in refused.json()["detail"]


async def test_a_supplier_token_without_a_client_version_is_refused():
    suppliers = FakeSuppliers()
    async with gateway_before(suppliers) as (gateway, client):
        refused = await client.get("/api/v1/suppliers", headers=bearer(gateway, version=None))
        assert refused.status_code == 401 and "version" in refused.json()["detail"]


async def test_concurrent_requests_share_one_lookup():
    suppliers = FakeSuppliers()
    suppliers.hold = asyncio.Event()
    async with gateway_before(suppliers) as (gateway, client):
        headers = bearer(gateway)
        requests = [asyncio.ensure_future(client.get("/api/v1/suppliers", headers=headers)) for _ in range(5)]
        while suppliers.lookups == 0:
            await asyncio.sleep(0.01)
        suppliers.hold.set()
        assert [r.status_code for r in await asyncio.gather(*requests)] == [200] * 5
        assert suppliers.lookups == 1


@pytest.mark.parametrize("status, standing", [(500, {"detail": "boom"}), (200, {"version": "one"})],
                         ids=["error", "malformed"])
async def test_standing_that_cannot_be_told_is_503_and_not_cached(status, standing):
    suppliers = FakeSuppliers()
    good, suppliers.standing, suppliers.status = suppliers.standing, standing, status
    async with gateway_before(suppliers) as (gateway, client):
        headers = bearer(gateway)
        unavailable = await client.get("/api/v1/suppliers", headers=headers)
        assert unavailable.status_code == 503, unavailable.text
        suppliers.standing, suppliers.status = good, 200
        assert (await client.get("/api/v1/suppliers", headers=headers)).status_code == 200


def test_the_standing_is_trusted_for_30_seconds_at_most():
    with pytest.raises(ValidationError):
        settings_for(client_check_cache_seconds=31)
    assert settings_for().client_check_cache_seconds == 30
