"""Small helpers shared by the cross-service tests."""

from __future__ import annotations

import itertools
from datetime import timedelta

from servicekit.testing import eventually
from suppliers.supplier.nzbn import nzbn_check_digit

_counter = itertools.count(1)


def nzbn(seed: int | None = None) -> str:
    """A valid NZBN (GS1 check digit) that differs per call."""
    body = f"9429{(seed if seed is not None else next(_counter) * 7919 + 1000003) % 10**8:08d}"
    return body + str(nzbn_check_digit(body))


def supplier_body(**overrides) -> dict:
    """A valid self-registration body."""
    body = {"legal_name": "Kauri Analytics Limited", "trading_name": "Kauri AI", "nzbn": nzbn(), "size": "small",
            "website": "https://kauri.example.nz", "maori_business": True,
            "contacts": [{"name": "Aroha Ngata", "email": "aroha@kauri.example.nz", "role": "Director"}]}
    return body | overrides


async def projected_supplier(stack, supplier_id: str) -> dict:
    """Wait until the catalogue's projection holds the supplier; returns it."""
    headers = await stack.as_role("admin")

    async def fetch():
        response = await stack.client.get(f"/api/v1/eligibility/suppliers/{supplier_id}", headers=headers)
        return response.json() if response.status_code == 200 else None

    return await eventually(fetch)


async def active_supplier(stack) -> dict:
    """A supplier registered and verified by an admin; its body carries its credentials."""
    supplier = (await stack.client.post("/api/v1/suppliers", json=supplier_body())).json()
    await stack.client.post(f"/api/v1/suppliers/{supplier['id']}/verify", headers=await stack.as_role("admin"))
    return supplier


def offer_body(stack, supplier_id: str, **overrides) -> dict:
    """A valid agreement offer for a year from today."""
    today = stack.clock.now().date()
    return {"supplier_id": supplier_id, "type": "marketplace", "terms_version": "2026.1",
            "scope": ["ai.document-processing", "ai.translation"], "start_date": today.isoformat(),
            "end_date": (today + timedelta(days=365)).isoformat()} | overrides


async def offered(stack, supplier: dict, **overrides) -> dict:
    """An agreement an admin offered to the supplier."""
    response = await stack.client.post("/api/v1/agreements", json=offer_body(stack, supplier["id"], **overrides),
                                       headers=await stack.as_role("admin"))
    assert response.status_code == 201, response.text
    return response.json()


SIGNATURE = {"signatory_name": "Aroha Ngata", "signatory_role": "Director"}


async def activated(stack, supplier: dict, **overrides) -> dict:
    """An agreement offered, signed by the supplier and countersigned: in force."""
    agreement = await offered(stack, supplier, **overrides)
    own = await stack.as_supplier(supplier["credentials"])
    url = f"/api/v1/agreements/{agreement['id']}"
    assert (await stack.client.post(f"{url}/sign", json=SIGNATURE, headers=own)).status_code == 200
    response = await stack.client.post(f"{url}/countersign", headers=await stack.as_role("admin"))
    assert response.status_code == 200, response.text
    return response.json()
