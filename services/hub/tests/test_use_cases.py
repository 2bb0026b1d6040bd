"""Agency AI use cases through the gateway: validation, the phase table, who may change what, and links
to offerings that follow the offering out of the marketplace and back."""

import uuid

import orjson

from events import catalogue as cat
from events.hub import REGISTRY_TOPIC
from servicekit.testing import eventually
from testsupport.kafka_tools import header, read_topic
from services.hub.tests import feed
from services.hub.tests.flows import USE_CASES, entry, use_case_body

PROBLEM = "application/problem+json"


async def registered(stack, **overrides) -> dict:
    response = await stack.client.post(USE_CASES, json=use_case_body(**overrides), headers=await stack.as_role("buyer"))
    assert response.status_code == 201, response.text
    return response.json()


async def act(stack, use_case_id: str, action: str, role: str = "buyer", reason: str | None = None):
    return await stack.client.post(f"{USE_CASES}/{use_case_id}/{action}", headers=await stack.as_role(role),
                                   json={"reason": reason} if reason else None)


async def test_a_use_case_walks_its_phases_and_its_links_follow_their_offerings(stack):
    await a_link_follows_its_offering_out_of_the_marketplace_and_back(stack)
    use_case = await registered(stack)
    assert use_case["phase"] == "idea" and use_case["entry_id"] == f"use_case:{use_case['id']}"
    shown = await entry(stack, use_case["entry_id"])
    assert shown["type"] == "use_case" and shown["agency"] == "Ministry of Social Development"
    assert shown["phase"] == "idea" and shown["link"] == f"{USE_CASES}/{use_case['id']}"

    for action, phase in [("design", "design"), ("develop", "development"), ("pilot", "pilot")]:
        response = await act(stack, use_case["id"], action)
        assert response.status_code == 200, response.text
        assert response.json()["phase"] == phase
    refused = await act(stack, use_case["id"], "launch")
    assert refused.status_code == 409 and "algorithm" in refused.json()["detail"]
    assert refused.headers["content-type"] == PROBLEM

    current = await stack.client.get(f"{USE_CASES}/{use_case['id']}")
    response = await stack.client.patch(f"{USE_CASES}/{use_case['id']}", headers={
        **await stack.as_role("buyer"), "If-Match": current.headers["etag"]},
        json={"impact_assessments": {"privacy": "completed", "algorithm": "completed"}})
    assert response.status_code == 200, response.text
    assert (await act(stack, use_case["id"], "launch")).json()["phase"] == "production"
    assert (await entry(stack, use_case["entry_id"]))["phase"] == "production"

    assert (await act(stack, use_case["id"], "retire")).status_code == 422  # a reason is required
    assert (await act(stack, use_case["id"], "retire", reason="Replaced by a new service")).status_code == 200
    assert await entry(stack, use_case["entry_id"]) is None
    again = await act(stack, use_case["id"], "design")
    assert again.status_code == 409 and again.json()["current_state"] == "retired"
    history = await stack.client.get(f"{USE_CASES}/{use_case['id']}/history", headers=await stack.as_role("admin"))
    assert [h["action"] for h in history.json()["data"]] == [
        "create", "design", "develop", "pilot", "update", "launch", "retire"]

    # Every change of the entry went out on hub.registry.v1, in order, as CloudEvents.
    def mine(records):
        return [r for r in records if header(r, "ce_subject") == use_case["entry_id"]]

    records = mine(await read_topic(stack.bootstrap_servers, REGISTRY_TOPIC.name,
                                    until=lambda found: any(header(r, "ce_type").endswith("removed.v1")
                                                            for r in mine(found))))
    types = [header(r, "ce_type").split(".")[-2] for r in records]
    assert types == ["added"] + ["changed"] * 5 + ["removed"]
    assert [orjson.loads(r.value)["version"] for r in records] == list(range(1, 8))
    assert orjson.loads(records[-1].value)["entry"]["listed"] is False
    assert header(records[0], "ce_source") == "/services/hub"


async def test_bad_use_cases_are_refused_and_only_buyers_and_admins_write(stack):
    buyer = await stack.as_role("buyer")
    cases = {
        "short_description": use_case_body(short_description="x" * 351),
        "maori_data": use_case_body(maori_data={"involves": "unsure"}),
        "contact.email": use_case_body(contact={"name": "Team", "email": "not-an-email"}),
        "phase": use_case_body(phase="retired"),
        "linked_offering_ids": use_case_body(linked_offering_ids=[str(uuid.uuid4())]),
        "category": use_case_body(category="ai.no-such-thing"),
        "unexpected": use_case_body(unexpected=True),
    }
    for field, body in cases.items():
        response = await stack.client.post(USE_CASES, json=body, headers=buyer)
        assert response.status_code == 422, (field, response.text)
        assert response.headers["content-type"] == PROBLEM
        assert any(field.split(".")[0] in e["field"] for e in response.json()["errors"]), (field, response.json())
    production = use_case_body(phase="production")
    assert (await stack.client.post(USE_CASES, json=production, headers=buyer)).status_code == 422
    broken = await stack.client.post(USE_CASES, content=b"{not json",
                                     headers={**buyer, "content-type": "application/json"})
    assert broken.status_code == 422 and broken.headers["content-type"] == PROBLEM
    listed = (await stack.client.get(USE_CASES, params={"agency": "Ministry of Social Development"})).json()
    assert listed["data"] == []  # nothing was half written

    # Who may register and change use cases.
    body = use_case_body()
    assert (await stack.client.post(USE_CASES, json=body)).status_code == 401
    assert (await stack.client.post(USE_CASES, json=body, headers=await stack.as_role("partner"))).status_code == 403
    use_case = await registered(stack)
    url = f"{USE_CASES}/{use_case['id']}"
    partner = await stack.as_role("partner")
    refused = await stack.client.patch(url, json={"name": "x"}, headers={**partner, "If-Match": '"1"'})
    assert refused.status_code == 403
    admin = await stack.as_role("admin")
    assert (await stack.client.patch(url, json={"name": "Renamed"}, headers=admin)).status_code == 428
    stale = await stack.client.patch(url, json={"name": "Renamed"}, headers={**admin, "If-Match": '"7"'})
    assert stale.status_code == 412
    removed = await stack.client.patch(url, json={"name": None}, headers={**admin, "If-Match": '"1"'})
    assert removed.status_code == 422
    renamed = await stack.client.patch(url, json={"name": "Renamed"}, headers={**admin, "If-Match": '"1"'})
    assert renamed.status_code == 200 and renamed.headers["etag"] == '"2"'
    assert (await entry(stack, use_case["entry_id"]))["name"] == "Renamed"
    assert (await stack.client.get(f"{USE_CASES}/{uuid.uuid4()}")).status_code == 404
    assert (await act(stack, use_case["id"], "launch-rocket")).status_code == 422


async def a_link_follows_its_offering_out_of_the_marketplace_and_back(stack):
    supplier_id, offering_id = str(uuid.uuid4()), str(uuid.uuid4())
    await feed.produce_events(stack.bootstrap_servers, feed.offering(offering_id, supplier_id, 1))
    await eventually(lambda: entry(stack, f"offering:{offering_id}"))
    use_case = await registered(stack, linked_offering_ids=[offering_id])
    assert use_case["linked_offerings"] == [{"offering_id": offering_id, "status": "listed"}]

    async def link_status(expected: str):
        shown = await entry(stack, use_case["entry_id"])
        links = shown["details"]["linked_offerings"]
        return links == [{"offering_id": offering_id, "status": expected}] and shown

    await feed.produce_events(stack.bootstrap_servers, feed.offering(
        offering_id, supplier_id, 2, status="suspended", cls=cat.OfferingSuspended))
    await eventually(lambda: link_status("left_marketplace"))
    own = (await stack.client.get(f"{USE_CASES}/{use_case['id']}")).json()
    assert own["linked_offerings"][0]["status"] == "left_marketplace"

    await feed.produce_events(stack.bootstrap_servers, feed.offering(
        offering_id, supplier_id, 3, status="published", cls=cat.OfferingReinstated))
    await eventually(lambda: link_status("listed"))
