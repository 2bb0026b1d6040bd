"""Questionnaires and assessments through the gateway: versions published and read, scores on fixed answer sets,
the life cycle per role with the transitions each may not make, and bad input as problem+json."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.assurance.tests.questionnaires import CASES, SMALL
from servicekit.testing import eventually
from services.hub.tests.flows import USE_CASES, use_case_body
from testsupport.assurance_helpers import ANSWERS, URL, review, started
from testsupport.catalogue_helpers import drafted, eligible_supplier

QUESTIONNAIRES = "/api/v1/assurance/questionnaires"
PROBLEM = "application/problem+json"


async def supplier_with_offering(stack) -> tuple[dict, dict, dict]:
    supplier = await eligible_supplier(stack)
    own = await stack.as_supplier(supplier["credentials"])
    return supplier, own, await drafted(stack, own)


async def test_questionnaires_are_public_and_versioned(stack):
    listed = (await stack.client.get(QUESTIONNAIRES)).json()
    assert [(q["version"], q["current"], q["questions"]) for q in listed] == [(1, True, 14)]
    first = (await stack.client.get(f"{QUESTIONNAIRES}/1")).json()
    assert first["sections"][0]["questions"][0]["commitment"] == "human_oversight" and first["published_by"] == "system"
    assert (await stack.client.get(f"{QUESTIONNAIRES}/current")).json()["version"] == 1
    assert (await stack.client.get(f"{QUESTIONNAIRES}/7")).status_code == 404

    assert (await stack.client.post(QUESTIONNAIRES, json=SMALL)).status_code == 401
    assert (await stack.client.post(QUESTIONNAIRES, json=SMALL, headers=await stack.as_role("assessor"))).status_code == 403
    admin = await stack.as_role("admin")
    broken = {**SMALL, "sections": [SMALL["sections"][0], SMALL["sections"][0]]}
    refused = await stack.client.post(QUESTIONNAIRES, json=broken, headers=admin)
    assert refused.status_code == 422 and refused.headers["content-type"] == PROBLEM
    assert "section ids must not repeat: impact" in refused.text
    published = await stack.client.post(QUESTIONNAIRES, json=SMALL, headers=admin)
    assert published.status_code == 201 and published.headers["Location"].endswith("/2"), published.text
    assert published.json()["version"] == 2 and published.json()["current"]
    assert not (await stack.client.get(f"{QUESTIONNAIRES}/1")).json()["current"]  # old versions stay readable
    assert [q["version"] for q in (await stack.client.get(QUESTIONNAIRES)).json()] == [1, 2]


async def test_scores_on_fixed_answer_sets_through_the_gateway(stack):
    """Each level reached, every weight used (test_scoring checks the sets), the answer showing each part."""
    assert (await stack.client.post(QUESTIONNAIRES, json=SMALL, headers=await stack.as_role("admin"))).status_code == 201
    supplier = await eligible_supplier(stack)
    own = await stack.as_supplier(supplier["credentials"])
    for index, (answers, (raw, mitigation, current, level)) in enumerate(CASES):
        offering = await drafted(stack, own, name=f"Offering {index}")
        assessment = await started(stack, own, offering["id"], answers)
        assert assessment["questionnaire_version"] == 2 and assessment["supplier_id"] == supplier["id"]
        assert (assessment["raw_impact_score"], assessment["mitigation_score"], assessment["current_score"],
                assessment["impact_level"]) == (raw, mitigation, current, level)
        contributed = {(c["question_id"], c["answer_id"], c["weight"]) for c in assessment["score"]["contributions"]}
        assert contributed == {(q, a, int(a[1:])) for q, a in answers.items()}
        assert set(assessment["commitments_addressed"]) == (
            {"human_oversight"} if answers["m1"] != "w0" else set()) | ({"partnership"} if answers["m2"] != "w0" else set())


async def test_the_life_cycle_through_each_role(stack):
    supplier, own, offering = await supplier_with_offering(stack)
    other = await stack.as_supplier((await eligible_supplier(stack))["credentials"])
    assessor, admin, buyer = [await stack.as_role(r) for r in ("assessor", "admin", "buyer")]
    body = {"subject_type": "offering", "subject_id": offering["id"]}
    assert (await stack.client.post(URL, json=body)).status_code == 401
    assert (await stack.client.post(URL, json=body, headers=assessor)).status_code == 403
    assert (await stack.client.post(URL, json=body, headers=buyer)).status_code == 403
    draft = await started(stack, own, offering["id"], {"decision-role": "assists"})
    assert (await stack.client.post(URL, json=body, headers=other)).status_code == 404
    again = await stack.client.post(URL, json=body, headers=own)
    assert again.status_code == 409 and "already has an open assessment" in again.json()["detail"]
    url = f"{URL}/{draft['id']}"
    assert draft["status"] == "draft" and draft["score"]["unanswered"][0] == "decision-effect"

    for headers in (own, assessor, admin):
        assert (await stack.client.get(url, headers=headers)).status_code == 200
    assert (await stack.client.get(url, headers=other)).status_code == 404
    assert (await stack.client.get(url, headers=await stack.as_role("partner"))).status_code == 403
    assert (await stack.client.get(url)).status_code == 401

    early = await stack.client.post(f"{url}/submit", headers=own)
    assert early.status_code == 409 and "unanswered: decision-effect" in early.json()["detail"]
    change = {"answers": ANSWERS["II"]}
    assert (await stack.client.patch(url, json=change, headers=own)).status_code == 428
    assert (await stack.client.patch(url, json=change, headers={**own, "If-Match": '"9"'})).status_code == 412
    assert (await stack.client.patch(url, json=change, headers={**assessor, "If-Match": '"1"'})).status_code == 403
    answered = await stack.client.patch(url, json=change, headers={**own, "If-Match": '"1"'})
    assert answered.status_code == 200 and answered.json()["impact_level"] == "II", answered.text
    assert (await review(stack, draft["id"])).status_code == 409  # a draft is not reviewed
    assert (await stack.client.post(f"{url}/submit", headers=assessor)).status_code == 403
    assert (await stack.client.post(f"{url}/submit", headers=own)).json()["status"] == "submitted"
    assert (await stack.client.patch(url, json=change, headers={**own, "If-Match": '"3"'})).status_code == 409
    refused = await stack.client.post(f"{url}/review", headers=own, json={"decision": "accept"})
    assert refused.status_code == 403

    returned = await review(stack, draft["id"], "return", [{"question_id": "appeal", "comment": "Say who reviews."}])
    assert returned.json()["status"] == "returned"
    assert returned.json()["reviews"][0]["comments"] == [{"question_id": "appeal", "comment": "Say who reviews."}]
    fixed = await stack.client.patch(url, json={"answers": {"appeal": "yes", "bias-testing": "before"}},
                                     headers={**own, "If-Match": '"4"'})
    assert fixed.status_code == 200, fixed.text
    assert (await stack.client.post(f"{url}/submit", headers=own)).json()["status"] == "submitted"
    accepted = (await review(stack, draft["id"])).json()
    today = stack.clock.now().date()
    assert accepted["status"] == "accepted" and accepted["accepted_on"] == today.isoformat()
    a_year_on = date(today.year + 1, today.month, min(today.day, 28 if today.month == 2 else 31))
    assert accepted["current_until"] == (a_year_on - timedelta(days=1)).isoformat()  # twelve months, less a day
    assert (await stack.client.post(f"{url}/submit", headers=own)).status_code == 409

    history = (await stack.client.get(f"{url}/history", headers=own)).json()["data"]
    assert [(h["action"], h["to_state"]) for h in history] == [
        ("create", "draft"), ("update", "draft"), ("submit", "submitted"), ("return", "returned"),
        ("update", "returned"), ("submit", "submitted"), ("accept", "accepted")]

    # A later accepted assessment of the same offering stands in place of the earlier one.
    second = await started(stack, own, offering["id"], ANSWERS["III"])
    assert (await stack.client.post(f"{URL}/{second['id']}/submit", headers=own)).status_code == 200
    assert (await review(stack, second["id"])).json()["status"] == "accepted"
    assert (await stack.client.get(url, headers=own)).json()["status"] == "superseded"
    mine = (await stack.client.get(URL, headers=own)).json()["data"]
    assert {a["id"] for a in mine} == {second["id"], draft["id"]}  # created at one moment of the test clock
    assert (await stack.client.get(URL, headers=other)).json()["data"] == []


async def test_bad_input_is_a_problem_naming_what_is_wrong(stack):
    _, own, offering = await supplier_with_offering(stack)
    assessment = await started(stack, own, offering["id"])
    cases = [
        (URL, {"subject_type": "supplier", "subject_id": offering["id"]}, "subject_type"),
        (URL, {"subject_type": "offering", "subject_id": offering["id"], "extra": 1}, "extra"),
    ]
    for url, body, field in cases:
        response = await stack.client.post(url, json=body, headers=own)
        assert response.status_code == 422 and response.headers["content-type"] == PROBLEM, response.text
        assert field in response.text
    unknown = await stack.client.post(URL, json={"subject_type": "offering", "subject_id": "no-such-offering"},
                                      headers=own)
    assert unknown.status_code == 409 and unknown.json()["current_state"] == "unknown"
    url = f"{URL}/{assessment['id']}"
    bad = await stack.client.patch(url, json={"answers": {"decision-role": "sometimes", "colour": "blue"}},
                                   headers={**own, "If-Match": '"1"'})
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM
    assert {e["field"] for e in bad.json()["errors"]} == {"answers.decision-role", "answers.colour"}
    assert "sometimes is not one of none, assists, recommends, decides" in bad.text
    await stack.client.patch(url, json={"answers": ANSWERS["I"]}, headers={**own, "If-Match": '"1"'})
    assert (await stack.client.post(f"{url}/submit", headers=own)).status_code == 200
    no_comment = await review(stack, assessment["id"], "return")
    assert no_comment.status_code == 422 and "at least one comment" in no_comment.text
    stray = await review(stack, assessment["id"], "return", [{"question_id": "colour", "comment": "?"}])
    assert stray.status_code == 422 and "no question has the id colour" in stray.text
    assert (await stack.client.get(url, headers=own)).json()["status"] == "submitted"  # nothing half done


@pytest.mark.parametrize("stack_services", [("suppliers", "catalogue", "hub", "assurance")])
async def test_a_buyer_assesses_a_use_case_the_registry_lists(stack):
    buyer = await stack.as_role("buyer")
    unknown = await stack.client.post(URL, json={"subject_type": "use_case", "subject_id": "not-registered"},
                                      headers=buyer)
    assert unknown.status_code == 409 and unknown.json()["current_state"] == "unknown"
    registered = await stack.client.post(USE_CASES, json=use_case_body(), headers=buyer)
    assert registered.status_code == 201, registered.text
    use_case = {"subject_type": "use_case", "subject_id": registered.json()["id"]}
    # A buyer of another agency does not find it, once the assurance service knows the use case.
    elsewhere = await stack.as_new_client("buyer", agency="Department of Conservation")

    async def refused_elsewhere():
        response = await stack.client.post(URL, json={**use_case, "answers": ANSWERS["I"]}, headers=elsewhere)
        return response if response.status_code != 409 else None

    refused = await eventually(refused_elsewhere)
    assert refused.status_code == 404 and refused.headers["content-type"] == "application/problem+json"
    assert "use case" in refused.json()["detail"]

    async def created():
        response = await stack.client.post(URL, json={**use_case, "answers": ANSWERS["I"]}, headers=buyer)
        return response.json() if response.status_code == 201 else None

    assessment = await eventually(created)
    assert assessment["owner"] == "buyer" and assessment["supplier_id"] is None
    assert (await stack.client.post(f"{URL}/{assessment['id']}/submit", headers=buyer)).json()["status"] == "submitted"
    assert (await review(stack, assessment["id"])).json()["impact_level"] == "I"
    supplier = await stack.as_supplier((await eligible_supplier(stack))["credentials"])
    assert (await stack.client.get(f"{URL}/{assessment['id']}", headers=supplier)).status_code == 404
