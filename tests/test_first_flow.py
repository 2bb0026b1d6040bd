"""The first flow end to end: a supplier registers through the gateway and the catalogue learns of it."""

import pytest
from sqlalchemy import select

from servicekit.tables import OutboxRecord
from testsupport.helpers import nzbn, projected_supplier, supplier_body


@pytest.fixture
def stack_services() -> tuple[str, ...]:
    """Suppliers and the catalogue that follows them."""
    return ("suppliers", "catalogue")


async def test_registered_supplier_reaches_the_catalogue_projection(stack):
    response = await stack.client.post("/api/v1/suppliers", json=supplier_body(nzbn="9429039501974"))
    assert response.status_code == 201, response.text
    supplier = response.json()
    assert supplier["status"] == "pending_verification"
    assert supplier["org_id"] == "NZ-NZBN-9429039501974"

    projected = await projected_supplier(stack, supplier["id"])
    assert projected["legal_name"] == "Kauri Analytics Limited"
    assert projected["status"] == "pending_verification"
    assert projected["version"] == 1

    # The outbox row was written with the supplier and published by the relay.
    database = stack.servers["suppliers"].app.state.database
    async with database.transaction() as session:
        rows = (await session.execute(select(OutboxRecord).where(OutboxRecord.subject == supplier["id"]))).scalars().all()
    assert [r.event_type for r in rows] == ["nz.govt.marketplace.supplier.registered.v1"]
    assert rows[0].published_at is not None


async def test_nzbn_with_a_wrong_check_digit_is_refused(stack):
    valid = nzbn()
    wrong = valid[:12] + str((int(valid[12]) + 1) % 10)
    response = await stack.client.post("/api/v1/suppliers", json=supplier_body(nzbn=wrong))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["nzbn"]


async def test_duplicate_nzbn_is_a_conflict(stack):
    body = supplier_body()
    assert (await stack.client.post("/api/v1/suppliers", json=body)).status_code == 201
    again = await stack.client.post("/api/v1/suppliers", json=body | {"legal_name": "Someone Else Ltd"})
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert body["nzbn"] in again.json()["detail"]
