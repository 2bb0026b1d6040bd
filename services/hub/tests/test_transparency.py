"""Transparency records of use cases through the gateway: ATRS tier 1 and 2 filled from the use case and the
marketplace, the EU AI Act fields a high-risk use case needs, who writes, If-Match and history, and the
export in ATRS column order."""

import csv
import io
import uuid

from servicekit.testing import eventually
from services.hub.tests import feed
from services.hub.tests.flows import ANNEX_VIII, TRANSPARENCY, USE_CASES, entry, transparency_body, use_case_body

PROBLEM = "application/problem+json"


async def registered(stack, **overrides) -> dict:
    """A use case registered by a buyer of its agency (the development buyer's own unless another is named)."""
    body = use_case_body(**overrides)
    buyer = (await stack.as_role("buyer") if body["agency"] == use_case_body()["agency"] else
             await stack.as_new_client("buyer", body["agency"]))
    response = await stack.client.post(USE_CASES, json=body, headers=buyer)
    assert response.status_code == 201, response.text
    return response.json()


async def marketplace_offering(stack) -> tuple[str, str]:
    """An offering of a named supplier, as the hub hears of them from the marketplace's events."""
    supplier_id, offering_id = str(uuid.uuid4()), str(uuid.uuid4())
    await feed.produce_events(stack.bootstrap_servers, feed.supplier(supplier_id, 1, name="Tui Language"),
                              feed.offering(offering_id, supplier_id, 1, name="Tui Whakamāori"))

    async def named():
        shown = await entry(stack, f"offering:{offering_id}")
        return shown and shown["supplier_name"] == "Tui Language"

    await eventually(named)
    return supplier_id, offering_id


async def test_a_record_is_written_read_replaced_and_exported(stack):
    supplier_id, offering_id = await marketplace_offering(stack)
    use_case = await registered(stack, linked_offering_ids=[offering_id])
    url = TRANSPARENCY.format(use_case["id"])
    buyer = await stack.as_role("buyer")
    assert (await stack.client.get(url)).status_code == 404

    created = await stack.client.put(url, json=transparency_body(), headers=buyer)
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == '"1"'
    shown = (await stack.client.get(url)).json()  # public: no token
    assert shown["tier1"] == {"name": "Benefit letter translation", "description": use_case["short_description"],
                              "organisation": "Ministry of Social Development", "phase": "idea",
                              "website_url": "https://www.msd.example.govt.nz/ai/letters",
                              "contact_email": "ai-transparency@msd.example.govt.nz"}
    tier2 = shown["tier2"]
    assert tier2["owner"]["organisation"] == "Ministry of Social Development"
    assert tier2["description"]["benefit"] == use_case["purpose_and_benefit"]
    assert tier2["decision_making"]["human_oversight"] == use_case["human_oversight"]
    assert tier2["maori_data_governance"]["governance"] == use_case["maori_data"]["governance"]
    assert tier2["maori_data_governance"]["arrangements"].startswith("Agreed with iwi")
    assert tier2["impact_assessments"]["status"] == {"privacy": "completed", "algorithm": "in_progress"}
    assert tier2["marketplace"] == [{"offering_id": offering_id, "offering_name": "Tui Whakamāori",
                                     "supplier_id": supplier_id, "supplier_name": "Tui Language", "status": "listed"}]
    assert shown["eu_ai_act"] is None and shown["gaps"] == []

    # Replacing needs the ETag; a write that changes nothing keeps the version.
    changed = transparency_body(website_url=None, eu_ai_act={"risk_class": "limited"})
    assert (await stack.client.put(url, json=changed, headers=buyer)).status_code == 428
    stale = await stack.client.put(url, json=changed, headers={**buyer, "If-Match": '"5"'})
    assert stale.status_code == 412 and stale.headers["content-type"] == PROBLEM
    replaced = await stack.client.put(url, json=changed, headers={**buyer, "If-Match": '"1"'})
    assert replaced.status_code == 200 and replaced.headers["etag"] == '"2"'
    assert replaced.json()["eu_ai_act"] == {"risk_class": "limited", "annex_viii": None}
    same = await stack.client.put(url, json=changed, headers={**buyer, "If-Match": '"2"'})
    assert same.status_code == 200 and same.headers["etag"] == '"2"'
    history = (await stack.client.get(f"{url}/history", headers=buyer)).json()["data"]
    assert [h["action"] for h in history] == ["create", "update"]
    assert set(history[1]["changes"]) == {"website_url", "eu_ai_act"}

    # The export: ATRS columns in order, one row per record, the marketplace's names filled in.
    rows = list(csv.reader(io.StringIO((await stack.client.get("/api/v1/registry/transparency/export.csv")).text)))
    assert rows[0][:8] == ["name", "description", "website", "contact_email", "organisation", "team",
                           "senior_responsible_owner", "external_supplier"]
    assert rows[0].index("risks") < rows[0].index("marketplace_offerings") < rows[0].index("eu_ai_act_risk_class")
    mine = [dict(zip(rows[0], r)) for r in rows[1:] if r[rows[0].index("use_case_id")] == use_case["id"]]
    assert len(mine) == 1
    assert mine[0]["external_supplier"] == "Tui Language" and mine[0]["marketplace_offerings"] == "Tui Whakamāori"
    assert mine[0]["risks"] == "Mistranslation — A fluent reviewer approves every letter."
    assert mine[0]["eu_ai_act_risk_class"] == "limited" and mine[0]["website"] == ""
    as_json = (await stack.client.get("/api/v1/registry/transparency/export.json")).json()
    record = next(r for r in as_json if r["use_case_id"] == use_case["id"])
    assert list(record) == rows[0]
    assert record["risks"][0]["category"] == "accuracy" and record["external_supplier"] == ["Tui Language"]

    # The use case turns high-risk after its record was written: the record says what it now lacks.
    current = await stack.client.get(f"{USE_CASES}/{use_case['id']}")
    raised = await stack.client.patch(f"{USE_CASES}/{use_case['id']}", json={"risk_level": "high"},
                                      headers={**buyer, "If-Match": current.headers["etag"]})
    assert raised.status_code == 200, raised.text
    assert [gap["field"] for gap in (await stack.client.get(url)).json()["gaps"]] == ["eu_ai_act.annex_viii"]


async def test_a_high_risk_use_case_needs_its_eu_registration(stack):
    use_case = await registered(stack, agency="Inland Revenue", name="Payment anomaly detection", risk_level="high",
                                maori_data={"involves": "no"})
    url = TRANSPARENCY.format(use_case["id"])
    admin = await stack.as_role("admin")  # an admin writes any use case's record
    missing = await stack.client.put(url, json=transparency_body(), headers=admin)
    assert missing.status_code == 422 and missing.headers["content-type"] == PROBLEM
    assert [e["field"] for e in missing.json()["errors"]] == ["eu_ai_act"]
    unregistered = await stack.client.put(url, json=transparency_body(eu_ai_act={"risk_class": "limited"}),
                                          headers=admin)
    assert [e["field"] for e in unregistered.json()["errors"]] == ["eu_ai_act.annex_viii"]
    high_without = await stack.client.put(url, json=transparency_body(eu_ai_act={"risk_class": "high"}), headers=admin)
    assert high_without.status_code == 422 and "annex_viii" in high_without.text
    bad_state = {**ANNEX_VIII, "member_states": ["Ireland"]}
    refused = await stack.client.put(url, headers=admin, json=transparency_body(
        eu_ai_act={"risk_class": "high", "annex_viii": bad_state}))
    assert refused.status_code == 422 and "member_states" in refused.json()["errors"][0]["field"]
    assert (await stack.client.get(url)).status_code == 404  # nothing half written

    registered_body = transparency_body(eu_ai_act={"risk_class": "high", "annex_viii": ANNEX_VIII})
    created = await stack.client.put(url, json=registered_body, headers=admin)
    assert created.status_code == 201, created.text
    annex = created.json()["eu_ai_act"]["annex_viii"]
    assert annex["trade_name"] == "Kauri Risk Lens" and annex["notified_body_certificate"] is None
    row = next(r for r in (await stack.client.get("/api/v1/registry/transparency/export.json")).json()
               if r["use_case_id"] == use_case["id"])
    assert row["eu_registration"]["submitted_by"] == "Chief Data Officer" and row["maori_data_involved"] == "no"


async def test_bad_records_are_refused_and_only_the_use_cases_writers_write(stack):
    use_case = await registered(stack)
    url = TRANSPARENCY.format(use_case["id"])
    buyer = await stack.as_role("buyer")
    cases = {
        "risks": transparency_body(risks=[]),
        "owner.team": transparency_body(owner={"senior_responsible_owner": "x"}),
        "website_url": transparency_body(website_url="not a url"),
        "impact_assessments_completed.0.completed_on": transparency_body(impact_assessments_completed=[
            {"name": "PIA", "description": "d", "completed_on": "someday"}]),
        "maori_data_governance.arrangements": transparency_body(maori_data_governance={}),
        "eu_ai_act.risk_class": transparency_body(eu_ai_act={"risk_class": "unacceptable"}),
        "unexpected": transparency_body(unexpected=True),
    }
    for field, body in cases.items():
        response = await stack.client.put(url, json=body, headers=buyer)
        assert response.status_code == 422, (field, response.text)
        assert response.headers["content-type"] == PROBLEM
        assert any(e["field"].startswith(field) for e in response.json()["errors"]), (field, response.json())
    assert (await stack.client.get(url)).status_code == 404

    body = transparency_body()
    assert (await stack.client.put(url, json=body)).status_code == 401
    for role in ("partner", "assessor"):
        assert (await stack.client.put(url, json=body, headers=await stack.as_role(role))).status_code == 403
    missing = await stack.client.put(TRANSPARENCY.format(uuid.uuid4()), json=body, headers=buyer)
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM

    # Another buyer's use case (registered here by an admin) is not this buyer's to describe.
    admins = await stack.client.post(USE_CASES, json=use_case_body(), headers=await stack.as_role("admin"))
    forbidden = await stack.client.put(TRANSPARENCY.format(admins.json()["id"]), json=body, headers=buyer)
    assert forbidden.status_code == 403

    assert (await stack.client.put(url, json=body, headers=buyer)).status_code == 201
    retire = await stack.client.post(f"{USE_CASES}/{use_case['id']}/retire", json={"reason": "Replaced"}, headers=buyer)
    assert retire.status_code == 200
    frozen = await stack.client.put(url, json=body, headers={**buyer, "If-Match": '"1"'})
    assert frozen.status_code == 409 and frozen.json()["current_state"] == "retired"
    assert (await stack.client.get(url)).json()["tier1"]["phase"] == "retired"
