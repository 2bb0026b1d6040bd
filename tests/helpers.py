"""Small helpers shared by the cross-service tests."""

from __future__ import annotations

import itertools

from servicekit.testing import eventually

_counter = itertools.count(1)


def nzbn(seed: int | None = None) -> str:
    """A valid NZBN (GS1 check digit) that differs per call."""
    body = f"9429{(seed if seed is not None else next(_counter) * 7919 + 1000003) % 10**8:08d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def supplier_body(**overrides) -> dict:
    """A valid self-registration body."""
    body = {"legal_name": "Kauri Analytics Limited", "trading_name": "Kauri AI", "nzbn": nzbn(), "size": "small",
            "website": "https://kauri.example.nz", "maori_business": True,
            "contacts": [{"name": "Aroha Ngata", "email": "aroha@kauri.example.nz", "role": "Director"}]}
    return body | overrides


async def projected_supplier(stack, supplier_id: str, timeout: float = 10.0) -> dict:
    """Wait until the catalogue's projection holds the supplier; returns it."""
    headers = await stack.as_role("admin")

    async def fetch():
        response = await stack.client.get(f"/api/v1/eligibility/suppliers/{supplier_id}", headers=headers)
        return response.json() if response.status_code == 200 else None

    return await eventually(fetch, timeout=timeout)
