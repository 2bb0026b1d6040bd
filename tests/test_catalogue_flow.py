"""The catalogue end to end over the real broker: a supplier registers and signs a marketplace agreement,
an admin countersigns, the supplier submits an offering, an assessor publishes it, a buyer finds it by
words and filters; the agreement ends and the offering leaves search by itself; a new agreement brings
it back by itself."""

from datetime import timedelta

import pytest

from testsupport.assurance_helpers import assessed
from testsupport.catalogue_helpers import URL, act, offering_body, review_record, sellable, status_becomes
from testsupport.helpers import SIGNATURE, offer_body, supplier_body


@pytest.fixture
def stack_services() -> tuple[str, ...]:
    """Suppliers, the catalogue that follows them, and the assurance service its publications need."""
    return ("suppliers", "catalogue", "assurance")


async def agreement_in_force(stack, supplier: dict, own: dict, **overrides) -> dict:
    """A marketplace agreement the admin offers, the supplier signs and the admin countersigns."""
    admin = await stack.as_role("admin")
    offer = await stack.client.post("/api/v1/agreements", headers=admin,
                                    json=offer_body(stack, supplier["id"], scope=["ai.translation"], **overrides))
    assert offer.status_code == 201, offer.text
    url = f"/api/v1/agreements/{offer.json()['id']}"
    assert (await stack.client.post(f"{url}/sign", json=SIGNATURE, headers=own)).status_code == 200
    countersigned = await stack.client.post(f"{url}/countersign", headers=admin)
    assert countersigned.status_code == 200 and countersigned.json()["status"] == "active"
    return countersigned.json()


async def buyer_finds(stack, offering_id: str) -> bool:
    """Whether a buyer finds the offering by words and filters."""
    response = await stack.client.get(URL, headers=await stack.as_role("buyer"), params={
        "q": "te reo translation", "category": "ai.translation", "te_reo_maori_support": "true",
        "data_residency": "new_zealand", "certification": "iso_iec_27001", "maori_business": "true"})
    assert response.status_code == 200, response.text
    return offering_id in {o["id"] for o in response.json()["data"]}


async def test_from_registration_to_a_buyer_finding_the_offering_and_back(stack):
    admin, assessor = await stack.as_role("admin"), await stack.as_role("assessor")
    registered = await stack.client.post("/api/v1/suppliers", json=supplier_body())
    assert registered.status_code == 201, registered.text
    supplier = registered.json()
    assert (await stack.client.post(f"/api/v1/suppliers/{supplier['id']}/verify", headers=admin)).status_code == 200
    own = await stack.as_supplier(supplier["credentials"])
    agreement = await agreement_in_force(stack, supplier, own)
    await sellable(stack, supplier["id"], lambda categories: "ai.translation" in categories)

    created = await stack.client.post(URL, headers=own, json=offering_body(categories=["ai.translation.te-reo-maori"]))
    assert created.status_code == 201, created.text
    offering = created.json()
    await assessed(stack, own, offering["id"])
    assert (await act(stack, offering["id"], "submit", own)).status_code == 200
    assert not await buyer_finds(stack, offering["id"])  # submitted: not yet for buyers
    (certificate,) = offering["assurance_records"]  # checked by the assessor, so it counts in search
    assert (await review_record(stack, offering["id"], certificate["id"], assessor, "verified")).status_code == 200
    published = await act(stack, offering["id"], "publish", assessor)
    assert published.status_code == 200, published.text
    assert await buyer_finds(stack, offering["id"])

    ended = await stack.client.post(f"/api/v1/agreements/{agreement['id']}/terminate", headers=admin,
                                    json={"reason": "breach of terms"})
    assert ended.status_code == 200
    suspended = await status_becomes(stack, offering["id"], "suspended")
    assert suspended["suspended_reason"] == "eligibility"
    assert not await buyer_finds(stack, offering["id"])

    today = stack.clock.now().date()
    await agreement_in_force(stack, supplier, own, end_date=(today + timedelta(days=200)).isoformat())
    await status_becomes(stack, offering["id"], "published")
    assert await buyer_finds(stack, offering["id"])
