"""The catalogue's projection of suppliers and their agreements, over the real broker, and what it allows."""

from datetime import timedelta

from catalogue.supplier.service import check
from servicekit.testing import eventually
from testsupport.helpers import projected_supplier, supplier_body

SIGNATURE = {"signatory_name": "Aroha Ngata", "signatory_role": "Director"}
SCOPE = ["ai.document-processing", "ai.translation"]


async def eligibility(stack, supplier_id: str, until) -> dict:
    """The catalogue's view of the supplier once `until(view)` holds."""
    headers = await stack.as_role("admin")

    async def fetch():
        response = await stack.client.get(f"/api/v1/eligibility/suppliers/{supplier_id}", headers=headers)
        return response.json() if response.status_code == 200 and until(response.json()) else None

    return await eventually(fetch)


async def checked(stack, supplier_id: str, categories: list[str], days_from_now: int = 0) -> list[str]:
    database = stack.servers["catalogue"].app.state.database
    async with database.transaction() as session:
        return await check(session, supplier_id, categories, stack.clock.now().date() + timedelta(days=days_from_now))


async def test_an_agreement_in_force_makes_a_supplier_eligible_until_it_is_terminated(stack):
    admin = await stack.as_role("admin")
    unknown = await checked(stack, "no-such-supplier", SCOPE)
    assert unknown == ["supplier no-such-supplier is not known to the catalogue"]

    supplier = (await stack.client.post("/api/v1/suppliers", json=supplier_body())).json()
    supplier_id = supplier["id"]
    await projected_supplier(stack, supplier_id)
    assert await checked(stack, supplier_id, ["ai.translation"]) == [
        f"supplier {supplier_id} is pending_verification, not active",
        "no active agreement covers the category ai.translation"]

    assert (await stack.client.post(f"/api/v1/suppliers/{supplier_id}/verify", headers=admin)).status_code == 200
    today = stack.clock.now().date()
    offered = await stack.client.post("/api/v1/agreements", headers=admin, json={
        "supplier_id": supplier_id, "type": "marketplace", "terms_version": "2026.1", "scope": SCOPE,
        "start_date": today.isoformat(), "end_date": (today + timedelta(days=365)).isoformat()})
    assert offered.status_code == 201, offered.text
    url = f"/api/v1/agreements/{offered.json()['id']}"
    view = await eligibility(stack, supplier_id, lambda v: v["status"] == "active" and v["agreements"])
    assert view["agreements"][0]["status"] == "offered" and view["categories"] == []
    assert await checked(stack, supplier_id, ["ai.translation"]) == [
        "no active agreement covers the category ai.translation"]

    own = await stack.as_supplier(supplier["credentials"])
    assert (await stack.client.post(f"{url}/sign", json=SIGNATURE, headers=own)).status_code == 200
    assert (await stack.client.post(f"{url}/countersign", headers=admin)).status_code == 200
    view = await eligibility(stack, supplier_id, lambda v: v["agreements"][0]["status"] == "active")
    agreement = view["agreements"][0]
    assert agreement["id"] == offered.json()["id"] and agreement["type"] == "marketplace"
    assert agreement["scope"] == SCOPE and agreement["version"] == 3 and agreement["in_force"] is True
    assert agreement["start_date"] == today.isoformat()
    assert view["categories"] == SCOPE

    # The scope covers the categories below the ones it names; anything else is named as missing.
    assert await checked(stack, supplier_id, ["ai.document-processing", "ai.translation.te-reo-maori"]) == []
    assert await checked(stack, supplier_id, ["ai.translation", "ai.speech", "ai.training"]) == [
        "no active agreement covers the category ai.speech", "no active agreement covers the category ai.training"]
    # Past its end date it stops counting, whether or not the expiry has been announced yet.
    assert await checked(stack, supplier_id, ["ai.translation"], days_from_now=366) == [
        "no active agreement covers the category ai.translation"]

    suspended = await stack.client.post(f"/api/v1/suppliers/{supplier_id}/suspend", headers=admin,
                                        json={"reason": "insurance lapsed"})
    assert suspended.status_code == 200
    view = await eligibility(stack, supplier_id, lambda v: v["status"] == "suspended")
    assert view["categories"] == []
    assert await checked(stack, supplier_id, ["ai.translation"]) == [f"supplier {supplier_id} is suspended, not active"]
    assert (await stack.client.post(f"/api/v1/suppliers/{supplier_id}/reinstate", headers=admin)).status_code == 200
    await eligibility(stack, supplier_id, lambda v: v["status"] == "active")
    assert await checked(stack, supplier_id, ["ai.translation"]) == []

    ended = await stack.client.post(f"{url}/terminate", headers=admin, json={"reason": "breach of terms"})
    assert ended.status_code == 200
    view = await eligibility(stack, supplier_id, lambda v: v["agreements"][0]["status"] == "terminated")
    assert view["agreements"][0]["in_force"] is False and view["categories"] == []
    assert await checked(stack, supplier_id, ["ai.document-processing"]) == [
        "no active agreement covers the category ai.document-processing"]


async def test_eligibility_is_for_operators(stack):
    supplier = (await stack.client.post("/api/v1/suppliers", json=supplier_body())).json()
    await projected_supplier(stack, supplier["id"])
    url = f"/api/v1/eligibility/suppliers/{supplier['id']}"
    assert (await stack.client.get(url, headers=await stack.as_role("assessor"))).status_code == 200
    assert (await stack.client.get(url, headers=await stack.as_role("buyer"))).status_code == 403
    assert (await stack.client.get(url)).status_code == 401
    missing = await stack.client.get("/api/v1/eligibility/suppliers/nobody", headers=await stack.as_role("admin"))
    assert missing.status_code == 404
