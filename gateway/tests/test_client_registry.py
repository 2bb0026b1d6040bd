"""The gateway's client registry through a real gateway, on SQLite and on PostgreSQL: admins make, list,
rotate and revoke clients; the secret is shown once and kept as a PBKDF2 hash; a buyer's agency travels in
its token and in the identity header; rotated and revoked clients stop working within the revocation window."""

from __future__ import annotations

import contextlib

import httpx
import jwt
import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from gateway.auth import verify_secret
from gateway.main import create_app
from gateway.registry.service import ClientRegistry
from gateway.tests.conftest import issue, settings_for
from gateway.tests.support import serve
from servicekit.db import Database
from servicekit.migrations import schema_drift
from servicekit.testing import eventually

CLIENTS = "/api/v1/clients"
AGENCY = "Te Puni Kōkiri"


@contextlib.asynccontextmanager
async def registry_gateway(database_url: str, upstreams: dict, cache_seconds: float = 1.0):
    settings = settings_for(**{f"{name}_url": url for name, url in upstreams.items()},
                            clients_database_url=database_url, client_check_cache_seconds=cache_seconds)
    async with serve(create_app(settings), proxy_headers=False) as url, \
            httpx.AsyncClient(base_url=url, timeout=10) as client:
        admin = {"Authorization": f"Bearer {await issue(client, 'admin')}"}
        yield client, admin


@pytest.fixture
async def gateway(database_urls, upstreams):
    async with registry_gateway(await database_urls("gateway"), upstreams) as running:
        yield running


async def token(client: httpx.AsyncClient, client_id: str, secret: str) -> httpx.Response:
    return await client.post("/api/v1/auth/token", data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})


async def bearer_of(client: httpx.AsyncClient, made: dict) -> dict[str, str]:
    response = await token(client, made["client_id"], made["client_secret"])
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def make(client: httpx.AsyncClient, admin: dict, **body) -> dict:
    response = await client.post(CLIENTS, json={"name": "Procurement team", "role": "buyer", "agency": AGENCY} | body,
                                 headers=admin)
    assert response.status_code == 201, response.text
    return response.json()


async def stored_row(database_url: str, client_id: str) -> dict:
    database = Database(database_url)
    try:
        async with database.engine.connect() as connection:
            row = (await connection.execute(text("SELECT * FROM gateway_clients WHERE id = :id"),
                                            {"id": client_id})).mappings().one()
            return dict(row)
    finally:
        await database.dispose()


async def test_a_buyer_client_shows_its_secret_once_keeps_a_hash_and_carries_its_agency(database_urls, upstreams):
    database_url = await database_urls("gateway")
    async with registry_gateway(database_url, upstreams) as (client, admin):
        created = await client.post(CLIENTS, json={"name": "MSD buyers", "role": "buyer", "agency": AGENCY},
                                    headers=admin)
        assert created.status_code == 201, created.text
        made = created.json()
        secret = made["client_secret"]
        assert made["client_id"].startswith("cli_") and made["agency"] == AGENCY and made["status"] == "active"
        assert created.headers["location"] == f"{CLIENTS}/{made['client_id']}"
        assert created.headers["cache-control"] == "no-store"

        # Shown once: neither the client nor the list says it again.
        shown = (await client.get(f"{CLIENTS}/{made['client_id']}", headers=admin)).json()
        listed = (await client.get(CLIENTS, headers=admin)).json()["data"]
        assert "client_secret" not in shown and all("client_secret" not in row for row in listed)
        assert secret not in str(listed) + str(shown)

        # Stored as a salted PBKDF2 hash that the secret matches, never as the secret.
        row = await stored_row(database_url, made["client_id"])
        assert row["secret_hash"].startswith("pbkdf2_sha256$600000$") and secret not in row["secret_hash"]
        assert verify_secret(secret, row["secret_hash"])

        # The token names the agency, and so does the identity the service gets.
        issued = await token(client, made["client_id"], secret)
        assert issued.status_code == 200, issued.text
        claims = jwt.decode(issued.json()["access_token"], options={"verify_signature": False})
        assert claims["agency"] == AGENCY and claims["roles"] == ["buyer"] and claims["ver"] == 1
        echo = (await client.get("/api/v1/suppliers/s-1", headers={
            "Authorization": f"Bearer {issued.json()['access_token']}"})).json()
        assert echo["identity"] == {"sub": made["client_id"], "roles": ["buyer"], "agency": AGENCY}


async def test_only_admins_manage_clients_and_bad_clients_are_refused(gateway):
    client, admin = gateway
    buyer = await bearer_of(client, await make(client, admin))
    body = {"name": "x", "role": "partner"}
    assert (await client.post(CLIENTS, json=body)).status_code == 401
    assert (await client.post(CLIENTS, json=body, headers={"Authorization": "Bearer nonsense"})).status_code == 401
    refused = await client.post(CLIENTS, json=body, headers=buyer)
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
    assert (await client.get(CLIENTS, headers=buyer)).status_code == 403
    for bad, field in (({"name": "x", "role": "buyer"}, "agency"),
                       ({"name": "x", "role": "partner", "agency": AGENCY}, "agency"),
                       ({"name": "x", "role": "admin"}, "role"),
                       ({"name": "x", "role": "supplier"}, "role"),
                       ({"name": "", "role": "assessor"}, "name"),
                       ({"name": "x", "role": "assessor", "secret": "mine"}, "secret")):
        response = await client.post(CLIENTS, json=bad, headers=admin)
        assert response.status_code == 422, (bad, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert field in response.text, (bad, response.text)
    assert (await client.get(f"{CLIENTS}/cli_0000000000000000", headers=admin)).status_code == 404
    assert (await client.post(f"{CLIENTS}/cli_0000000000000000/revoke", headers=admin)).status_code == 404
    too_large = await client.post(CLIENTS, content=b"{" + b" " * 20000 + b"}", headers=admin | {
        "content-type": "application/json"})
    assert too_large.status_code == 413


async def test_rotation_ends_the_old_secret_and_its_tokens(gateway):
    client, admin = gateway
    made = await make(client, admin, role="partner", agency=None, name="Partner system")
    old_token = await bearer_of(client, made)
    assert (await client.get("/api/v1/subscriptions", headers=old_token)).status_code == 200

    rotated = await client.post(f"{CLIENTS}/{made['client_id']}/rotate", headers=admin)
    assert rotated.status_code == 200, rotated.text
    renewed = rotated.json()
    assert renewed["secret_version"] == 2 and renewed["client_secret"] != made["client_secret"]

    assert (await token(client, made["client_id"], made["client_secret"])).status_code == 401
    new_token = await bearer_of(client, renewed)
    assert (await client.get("/api/v1/subscriptions", headers=new_token)).status_code == 200

    async def old_token_refused():
        response = await client.get("/api/v1/subscriptions", headers=old_token)
        return response.status_code == 401 and "rotated" in response.json()["detail"]

    # Within the revocation window (1 s here).
    await eventually(old_token_refused, timeout=5)


async def test_revocation_ends_the_client_and_its_tokens(gateway):
    client, admin = gateway
    made = await make(client, admin, role="assessor", agency=None, name="Assessor panel")
    assessor = await bearer_of(client, made)
    assert (await client.get("/api/v1/offerings", headers=assessor)).status_code == 200

    revoked = await client.post(f"{CLIENTS}/{made['client_id']}/revoke", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked" and revoked.json()["revoked_at"]
    again = await client.post(f"{CLIENTS}/{made['client_id']}/revoke", headers=admin)
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]
    assert (await client.post(f"{CLIENTS}/{made['client_id']}/rotate", headers=admin)).status_code == 409
    assert (await token(client, made["client_id"], made["client_secret"])).status_code == 401

    async def refused():
        return (await client.get("/api/v1/offerings", headers=assessor)).status_code == 401

    await eventually(refused, timeout=5)
    listed = (await client.get(CLIENTS, params={"status": "revoked"}, headers=admin)).json()["data"]
    assert [row["client_id"] for row in listed] == [made["client_id"]]


async def test_the_list_pages_without_repeats_or_gaps(gateway):
    client, admin = gateway
    made = [(await make(client, admin, role="partner", agency=None, name=f"Partner {n}"))["client_id"]
            for n in range(3)]
    seen, cursor = [], None
    while True:
        page = (await client.get(CLIENTS, params={"limit": 2, "role": "partner"} | (
            {"cursor": cursor} if cursor else {}), headers=admin)).json()
        assert len(page["data"]) <= 2
        seen += [row["client_id"] for row in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == made
    assert (await client.get(CLIENTS, params={"cursor": "garbage"}, headers=admin)).status_code == 400


async def test_the_migrations_build_the_table_the_model_declares(database_urls):
    registry = ClientRegistry(Database(await database_urls("gateway")))
    try:
        await registry.migrate()
        await registry.migrate()  # a second start changes nothing
        assert await schema_drift(registry.database, SQLModel.metadata, {"gateway_clients"}) == []
    finally:
        await registry.database.dispose()
