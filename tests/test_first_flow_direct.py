"""Supplier registered in the suppliers service shows up in the catalogue's projection."""

import uuid

import httpx

from catalogue.main import build as build_catalogue
from catalogue.settings import CatalogueSettings
from servicekit.identity import ANONYMOUS_IDENTITY, Identity
from servicekit.testing import RunningServer, eventually, identity_headers
from suppliers.main import build as build_suppliers
from suppliers.settings import SuppliersSettings

ADMIN = Identity(subject="admin", roles=frozenset({"admin"}))


async def test_registration_reaches_catalogue(broker, database_urls):
    suppliers = await RunningServer(build_suppliers(SuppliersSettings(
        database_url=await database_urls("suppliers"), kafka_bootstrap_servers=broker.bootstrap_servers))).start()
    catalogue = await RunningServer(build_catalogue(CatalogueSettings(
        database_url=await database_urls("catalogue"), kafka_bootstrap_servers=broker.bootstrap_servers,
        consumer_group=f"catalogue-{uuid.uuid4().hex[:8]}"))).start()
    try:
        async with httpx.AsyncClient() as client:
            response = await client.post(f"{suppliers.url}/api/v1/suppliers", headers=identity_headers(ANONYMOUS_IDENTITY),
                                         json={"legal_name": "Kauri AI Limited", "nzbn": "9429039501974", "size": "small",
                                               "contacts": [{"name": "Aroha", "email": "aroha@kauri.example"}]})
            assert response.status_code == 201, response.text
            supplier_id = response.json()["id"]

            async def projected():
                r = await client.get(f"{catalogue.url}/api/v1/eligibility/suppliers/{supplier_id}",
                                     headers=identity_headers(ADMIN))
                return r.json() if r.status_code == 200 else None

            row = await eventually(projected, timeout=15)
            assert row["status"] == "pending_verification"
            assert row["org_id"] == "NZ-NZBN-9429039501974"
    finally:
        await catalogue.stop()
        await suppliers.stop()
