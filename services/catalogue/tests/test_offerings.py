"""Offerings through the gateway: the transition table per role, who sees what, bad input, and the
catalogue suspending and publishing again by itself as the supplier's eligibility changes."""

from datetime import timedelta

from sqlalchemy import select

from events.catalogue import OFFERING_TOPIC
from servicekit.tables import OutboxRecord
from servicekit.testing import eventually
from testsupport.assurance_helpers import assessed
from testsupport.catalogue_helpers import (URL, act, drafted, eligible_supplier, offering_body, published, sellable,
                                     status_becomes)
from testsupport.helpers import active_supplier, activated, projected_supplier, supplier_body


async def test_the_life_of_an_offering_through_each_role(stack):
    supplier = await eligible_supplier(stack)
    other = await active_supplier(stack)
    own, someone_else = await stack.as_supplier(supplier["credentials"]), await stack.as_supplier(other["credentials"])
    admin, assessor, buyer = await stack.as_role("admin"), await stack.as_role("assessor"), await stack.as_role("buyer")

    assert (await stack.client.post(URL, json=offering_body(), headers=buyer)).status_code == 403
    assert (await stack.client.post(URL, json=offering_body(), headers=admin)).status_code == 403
    key = {**own, "Idempotency-Key": "offering-1"}
    created = await stack.client.post(URL, json=offering_body(), headers=key)
    assert created.status_code == 201, created.text
    again = await stack.client.post(URL, json=offering_body(), headers=key)
    assert again.status_code == 201 and again.json()["id"] == created.json()["id"]
    offering = created.json()
    url = f"{URL}/{offering['id']}"
    assert offering["status"] == "draft" and offering["supplier_id"] == supplier["id"] and offering["version"] == 1
    assert created.headers["ETag"] == '"1"' and offering["assurance_records"][0]["status"] == "active"

    # A draft is seen by its supplier and the operators only.
    for headers in (own, assessor, admin):
        assert (await stack.client.get(url, headers=headers)).status_code == 200
    for headers in (buyer, someone_else, {}):
        assert (await stack.client.get(url, headers=headers)).status_code == 404
    assert (await stack.client.get(f"{url}/history", headers=buyer)).status_code == 404

    early = await act(stack, offering["id"], "publish", assessor)
    assert early.status_code == 409 and early.json()["allowed_actions"] == ["submit", "retire"]
    assert (await act(stack, offering["id"], "submit", someone_else)).status_code == 404
    assert (await act(stack, offering["id"], "submit", admin)).status_code == 403
    assert (await act(stack, offering["id"], "submit", own)).json()["status"] == "submitted"
    assert (await act(stack, offering["id"], "publish", own)).status_code == 403
    assert (await act(stack, offering["id"], "reject", assessor)).status_code == 422
    rejected = await act(stack, offering["id"], "reject", assessor, reason="pricing does not match the summary")
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["status_reason"] == "pricing does not match the summary"

    # A rejected offering can be changed by its supplier, with If-Match.
    change = {"pricing": {"model": "per_user_per_month", "min_nzd": 25, "max_nzd": 45}}
    assert (await stack.client.patch(url, json=change, headers=own)).status_code == 428
    stale = await stack.client.patch(url, json=change, headers={**own, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert (await stack.client.patch(url, json=change, headers=admin)).status_code == 403
    patched = await stack.client.patch(url, json=change, headers={**own, "If-Match": '"3"'})
    assert patched.status_code == 200 and patched.json()["pricing"]["min_nzd"] == 25
    assert patched.json()["version"] == 4 and patched.json()["status"] == "rejected"

    assert (await act(stack, offering["id"], "redraft", assessor)).status_code == 403
    assert (await act(stack, offering["id"], "redraft", own)).json()["status"] == "draft"
    assert (await act(stack, offering["id"], "submit", own)).status_code == 200
    unassessed = await act(stack, offering["id"], "publish", assessor)
    assert unassessed.status_code == 409 and "no accepted assurance assessment" in unassessed.json()["detail"]
    assert offering["risk_tier"] == "unassessed" and offering["impact_level"] is None
    await assessed(stack, own, offering["id"], "II")
    live = await act(stack, offering["id"], "publish", assessor)
    assert live.status_code == 200 and live.json()["status"] == "published" and live.json()["status_reason"] is None
    assert (live.json()["risk_tier"], live.json()["impact_level"], live.json()["assurance_flag"]) == ("limited", "II",
                                                                                                       None)

    # Published: anyone sees it; nobody changes it.
    assert (await stack.client.get(url)).status_code == 200
    assert (await stack.client.get(url, headers=buyer)).status_code == 200
    assert (await stack.client.patch(url, json=change, headers=own)).status_code == 409
    assert (await act(stack, offering["id"], "withdraw", someone_else)).status_code == 403
    assert (await act(stack, offering["id"], "suspend", assessor, reason="complaint")).status_code == 403
    assert (await act(stack, offering["id"], "suspend", admin)).status_code == 422
    suspended = await act(stack, offering["id"], "suspend", admin, reason="complaint under review")
    assert suspended.json()["status"] == "suspended" and suspended.json()["suspended_reason"] == "admin"
    assert (await act(stack, offering["id"], "withdraw", own)).status_code == 409
    reinstated = await act(stack, offering["id"], "reinstate", admin)
    assert reinstated.json()["status"] == "published" and reinstated.json()["suspended_reason"] is None
    assert (await act(stack, offering["id"], "withdraw", own)).json()["status"] == "withdrawn"
    assert (await act(stack, offering["id"], "retire", own)).status_code == 403
    assert (await act(stack, offering["id"], "retire", admin)).json()["status"] == "retired"
    final = await act(stack, offering["id"], "retire", admin)
    assert final.status_code == 409 and final.json()["allowed_actions"] == []

    history = (await stack.client.get(f"{url}/history", headers=own)).json()["data"]
    assert [h["action"] for h in history] == ["create", "submit", "reject", "update", "redraft", "submit",
                                              "assess", "publish", "suspend", "reinstate", "withdraw", "retire"]
    assert history[2]["reason"] == "pricing does not match the summary"
    assert history[3]["changes"]["pricing"]["to"]["min_nzd"] == 25

    database = stack.servers["catalogue"].app.state.database
    async with database.transaction() as session:
        rows = (await session.execute(select(OutboxRecord).where(OutboxRecord.topic == OFFERING_TOPIC.name)
                                      .order_by(OutboxRecord.id))).scalars().all()
    kinds = [row.event_type.split(".")[-2] for row in rows if row.subject == offering["id"]]
    assert kinds == ["created", "submitted", "rejected", "updated", "redrafted", "submitted", "assessed", "published",
                     "suspended", "reinstated", "withdrawn", "retired"]


async def test_who_sees_which_offerings_in_the_list(stack):
    supplier = await eligible_supplier(stack)
    own, assessor = await stack.as_supplier(supplier["credentials"]), await stack.as_role("assessor")
    live = await published(stack, own)
    draft = await drafted(stack, own, name="Kōrero Translate Pro")
    submitted = await drafted(stack, own, name="Kōrero Speech")
    assert (await act(stack, submitted["id"], "submit", own)).status_code == 200

    def ids(response) -> set[str]:
        assert response.status_code == 200, response.text
        return {o["id"] for o in response.json()["data"]}

    everyone = ids(await stack.client.get(URL, params={"supplier_id": supplier["id"]}))
    assert everyone == {live["id"]}
    buyer = ids(await stack.client.get(URL, params={"supplier_id": supplier["id"], "status": "draft"},
                                       headers=await stack.as_role("buyer")))
    assert buyer == set()
    assert ids(await stack.client.get(URL, headers=own)) >= {live["id"], draft["id"], submitted["id"]}
    queue = ids(await stack.client.get(URL, params={"status": "submitted"}, headers=assessor))
    assert submitted["id"] in queue and draft["id"] not in queue and live["id"] not in queue

    first = await stack.client.get(URL, params={"supplier_id": supplier["id"], "limit": 2}, headers=own)
    assert len(first.json()["data"]) == 2 and first.json()["next_cursor"]
    rest = await stack.client.get(URL, params={"supplier_id": supplier["id"], "limit": 2,
                                               "cursor": first.json()["next_cursor"]}, headers=own)
    assert ids(first) | ids(rest) == {live["id"], draft["id"], submitted["id"]}
    assert rest.json()["next_cursor"] is None


async def test_bad_input_is_refused_naming_the_fields(stack):
    supplier = await active_supplier(stack)
    own = await stack.as_supplier(supplier["credentials"])

    async def errors(**overrides) -> list[str]:
        response = await stack.client.post(URL, json=offering_body(**overrides), headers=own)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        return [e["field"] for e in response.json()["errors"]]

    assert await errors(colour="teal") == ["colour"]
    assert await errors(summary="x" * 281) == ["summary"]
    assert await errors(pricing={"model": "per_user_per_month", "min_nzd": 50, "max_nzd": 10}) == ["pricing"]
    assert await errors(pricing={"model": "by_the_hour", "min_nzd": 1, "max_nzd": 2}) == ["pricing.model"]
    assert await errors(categories=[]) == ["categories"]
    assert await errors(categories=["ai.speech", "ai.translation", "ai.training", "ai.computer-vision"]) == [
        "categories"]
    assert await errors(categories=["ai.no-such-thing"]) == ["categories"]
    assert await errors(categories=["engagement.implementation"]) == ["categories"]
    assert await errors(engagement_type="ai.speech") == ["engagement_type"]
    assert await errors(data_residency={"region": "other"}) == ["data_residency"]
    assert await errors(maori_data={"involves": "unsure"}) == ["maori_data"]
    record = offering_body()["assurance_records"][0]
    assert await errors(assurance_records=[record | {"expires_on": "2025-01-01"}]) == ["assurance_records.0"]
    assert await errors(assurance_records=[record | {"standard": "iso_9001"}]) == ["assurance_records.0.standard"]
    assert await errors(risk_tier="extreme", deployment="mainframe") == ["deployment", "risk_tier"]

    offering = await drafted(stack, own, data_residency={"region": "other", "country": "SG"})
    removed = await stack.client.patch(f"{URL}/{offering['id']}", json={"name": None},
                                       headers={**own, "If-Match": '"1"'})
    assert removed.status_code == 422 and removed.json()["errors"][0]["field"] == "name"


async def test_publishing_needs_an_agreement_covering_every_category(stack):
    supplier = await eligible_supplier(stack, scope=["ai.translation"])
    own, assessor = await stack.as_supplier(supplier["credentials"]), await stack.as_role("assessor")
    offering = await drafted(stack, own, categories=["ai.translation", "ai.speech"])
    assert (await act(stack, offering["id"], "submit", own)).status_code == 200
    refused = await act(stack, offering["id"], "publish", assessor)
    assert refused.status_code == 409
    assert "no active agreement covers the category ai.speech" in refused.json()["detail"]
    assert "ai.translation" not in refused.json()["detail"]
    assert (await stack.client.get(f"{URL}/{offering['id']}", headers=own)).json()["status"] == "submitted"


async def test_offerings_follow_the_suppliers_eligibility_by_themselves(stack):
    supplier = await active_supplier(stack)
    agreement = await activated(stack, supplier)
    await sellable(stack, supplier["id"], lambda categories: categories)
    own, admin = await stack.as_supplier(supplier["credentials"]), await stack.as_role("admin")
    followed = await published(stack, own)
    held = await published(stack, own, name="Kōrero Review")
    assert (await act(stack, held["id"], "suspend", admin, reason="complaint under review")).status_code == 200

    ended = await stack.client.post(f"/api/v1/agreements/{agreement['id']}/terminate", headers=admin,
                                    json={"reason": "breach of terms"})
    assert ended.status_code == 200
    suspended = await status_becomes(stack, followed["id"], "suspended")
    assert suspended["suspended_reason"] == "eligibility"
    assert "no active agreement covers the category ai.document-processing" in suspended["status_reason"]
    history = (await stack.client.get(f"{URL}/{followed['id']}/history", headers=admin)).json()["data"]
    assert history[-1]["action"] == "suspend" and history[-1]["actor"] == "system"
    # Not eligible: an admin cannot bring it back either.
    assert (await act(stack, followed["id"], "reinstate", admin)).status_code == 409

    today = stack.clock.now().date()
    await activated(stack, supplier, end_date=(today + timedelta(days=200)).isoformat())
    back = await status_becomes(stack, followed["id"], "published")
    assert back["suspended_reason"] is None and back["status_reason"] is None
    history = (await stack.client.get(f"{URL}/{followed['id']}/history", headers=admin)).json()["data"]
    assert history[-1]["action"] == "reinstate" and history[-1]["actor"] == "system"

    still = (await stack.client.get(f"{URL}/{held['id']}", headers=admin)).json()
    assert still["status"] == "suspended" and still["suspended_reason"] == "admin"
    assert still["status_reason"] == "complaint under review"

    # The supplier itself suspended, then reinstated: the same, by itself.
    supplier_url = f"/api/v1/suppliers/{supplier['id']}"
    assert (await stack.client.post(f"{supplier_url}/suspend", headers=admin,
                                    json={"reason": "insurance lapsed"})).status_code == 200
    suspended = await status_becomes(stack, followed["id"], "suspended")
    assert suspended["status_reason"] == f"supplier {supplier['id']} is suspended, not active"
    assert (await stack.client.post(f"{supplier_url}/reinstate", headers=admin)).status_code == 200
    await status_becomes(stack, followed["id"], "published")
    assert (await stack.client.get(f"{URL}/{held['id']}", headers=admin)).json()["status"] == "suspended"


async def test_a_supplier_not_yet_verified_holds_a_few_offerings_only(stack):
    # Anyone may register, so what an unverified supplier may store is bounded
    # (CATALOGUE_UNVERIFIED_OFFERING_LIMIT).
    supplier = (await stack.client.post("/api/v1/suppliers", json=supplier_body())).json()
    own = await stack.as_supplier(supplier["credentials"])
    await projected_supplier(stack, supplier["id"])
    for _ in range(3):
        await drafted(stack, own)
    refused = await stack.client.post(URL, json=offering_body(), headers=own)
    assert refused.status_code == 409, refused.text
    assert refused.json()["limit"] == 3 and "not yet verified" in refused.json()["detail"]
    # Once an admin has verified it, the catalogue hears so and the limit no longer applies.
    verified = await stack.client.post(f"/api/v1/suppliers/{supplier['id']}/verify",
                                       headers=await stack.as_role("admin"))
    assert verified.status_code == 200

    async def accepted():
        response = await stack.client.post(URL, json=offering_body(), headers=own)
        return response if response.status_code == 201 else None

    assert (await eventually(accepted)).json()["status"] == "draft"
