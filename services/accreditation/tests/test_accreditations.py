"""Accreditations through the gateway: the transition table per role, renewal both ways, the public
register and its filters, the supplier's own status driving suspension, and events on the wire."""

import uuid
from datetime import date

from cloudevents.core.bindings.kafka import KafkaMessage, from_binary
from cloudevents.core.formats.json import JSONFormat

from events.accreditation import ACCREDITATION_TOPIC
from events.suppliers import SUPPLIER_TOPIC
from servicekit.testing import eventually
from testsupport.kafka_tools import header, produce_raw, read_topic

ACCREDITATIONS = "/api/v1/accreditations"


def _in_three_years(day: date) -> str:
    return day.replace(year=day.year + 3).isoformat()


async def test_accreditation_transitions_per_role(stack, flows, broker):
    supplier, accreditation = await flows.accredited()
    other = await flows.known_supplier()
    acc_id = accreditation["id"]
    own, stranger = await flows.headers_of(supplier), await flows.headers_of(other)
    assessor, admin = await stack.as_role("assessor"), await stack.as_role("admin")

    for role in ("buyer", "partner"):
        headers = await stack.as_role(role)
        for action in ("suspend", "renew", "revoke", "surrender"):
            assert (await flows.accreditation_action(acc_id, action, headers, "x")).status_code == 403
    for action in ("suspend", "renew", "revoke"):
        assert (await flows.accreditation_action(acc_id, action, own, "x")).status_code == 403
    assert (await flows.accreditation_action(acc_id, "surrender", assessor)).status_code == 403
    assert (await flows.accreditation_action(acc_id, "surrender", stranger)).status_code == 403
    assert (await flows.accreditation_action(acc_id, "reinstate", assessor)).status_code == 409

    assert (await flows.accreditation_action(acc_id, "suspend", assessor)).status_code == 422
    suspended = await flows.accreditation_action(acc_id, "suspend", assessor, "show cause: complaints about trainers")
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["status"] == "suspended" and suspended.json()["suspended_reason"] == "show_cause"
    assert suspended.json()["status_reason"] == "show cause: complaints about trainers"
    refused = await flows.accreditation_action(acc_id, "renew", assessor)
    assert refused.status_code == 409
    assert refused.json()["allowed_actions"] == ["reinstate", "revoke", "surrender"]
    reinstated = (await flows.accreditation_action(acc_id, "reinstate", admin)).json()
    assert reinstated["status"] == "active" and reinstated["suspended_reason"] is None

    stack.clock.advance(days=400)
    renewed = await flows.accreditation_action(acc_id, "renew", assessor, "assessed again on site")
    assert renewed.status_code == 200, renewed.text
    today = stack.clock.now().date()
    assert renewed.json()["renewed_on"] == today.isoformat() and renewed.json()["expires_on"] == _in_three_years(today)
    assert renewed.json()["granted_on"] == accreditation["granted_on"]

    surrendered = (await flows.accreditation_action(acc_id, "surrender", own, "we no longer train")).json()
    assert surrendered["status"] == "surrendered"
    final = await flows.accreditation_action(acc_id, "revoke", admin, "x")
    assert final.status_code == 409 and final.json()["allowed_actions"] == []

    history = await stack.client.get(f"{ACCREDITATIONS}/{acc_id}/history", headers=own)
    assert [h["action"] for h in history.json()["data"]] == ["grant", "suspend", "reinstate", "renew", "surrender"]
    assert history.json()["data"][1]["actor"] == "assessor"
    assert (await stack.client.get(f"{ACCREDITATIONS}/{acc_id}/history", headers=stranger)).status_code == 403
    assert (await stack.client.get(f"{ACCREDITATIONS}/{acc_id}/history",
                                   headers=await stack.as_role("buyer"))).status_code == 403
    assert (await stack.client.get(f"{ACCREDITATIONS}/{acc_id}/history")).status_code == 401

    def mine(records):
        return [r for r in records if r.key == acc_id.encode()]

    records = mine(await read_topic(broker.bootstrap_servers, ACCREDITATION_TOPIC.name,
                                    until=lambda rs: len(mine(rs)) == 5))
    events = [from_binary(KafkaMessage(headers=dict(r.headers), key=r.key, value=r.value), JSONFormat())
              for r in records]
    assert [e.get_type().split(".")[-2] for e in events] == [
        "granted", "suspended", "reinstated", "renewed", "surrendered"]
    assert [e.get_data()["version"] for e in events] == [1, 2, 3, 4, 5]
    assert events[1].get_data()["accreditation"]["suspended_reason"] == "show_cause"
    assert events[1].get_data()["reason"] == "show cause: complaints about trainers"
    assert events[3].get_data()["accreditation"]["renewed_on"] == today.isoformat()


async def test_a_renewal_application_renews_instead_of_creating(stack, flows):
    supplier, accreditation = await flows.accredited()
    stack.clock.advance(days=1000)
    renewal = await flows.approved(supplier, kind="renewal", accreditation_id=accreditation["id"],
                                   training_areas=["practitioner_ai_skills"])
    assert renewal["kind"] == "renewal" and renewal["accreditation_id"] == accreditation["id"]
    renewed = await flows.accreditation(accreditation["id"])
    today = stack.clock.now().date()
    assert renewed["status"] == "active" and renewed["renewed_on"] == today.isoformat()
    assert renewed["expires_on"] == _in_three_years(today) and renewed["application_id"] == renewal["id"]
    assert renewed["training_areas"] == ["practitioner_ai_skills"] and renewed["version"] == 2
    all_of_supplier = (await stack.client.get(ACCREDITATIONS, params={"supplier_id": supplier["id"]})).json()["data"]
    assert [a["id"] for a in all_of_supplier] == [accreditation["id"]]

    other_supplier = await flows.known_supplier()
    foreign = await stack.client.post(flows.APPLICATIONS, json=flows.body(kind="renewal",
                                                                          accreditation_id=accreditation["id"]),
                                      headers=await flows.headers_of(other_supplier))
    assert foreign.status_code == 404
    pending = await flows.under_assessment(supplier, kind="renewal", accreditation_id=accreditation["id"])
    await flows.accreditation_action(accreditation["id"], "surrender", await flows.headers_of(supplier))
    too_late = await flows.act(pending["id"], "approve", "assessor", {"ratings": flows.ratings()}, status=409)
    assert "surrendered" in too_late["detail"]
    assert (await stack.client.post(flows.APPLICATIONS, json=flows.body(kind="renewal",
                                                                        accreditation_id=accreditation["id"]),
                                    headers=await flows.headers_of(supplier))).status_code == 409


async def test_the_register_is_public_and_filters(stack, flows):
    supplier, executive = await flows.accredited(training_areas=["executive_ai_leadership"])
    stack.clock.advance(seconds=1)  # the settable clock stands still; newest first needs two moments
    _, technical = await flows.accredited(supplier, training_areas=["technical_ml_engineering",
                                                                    "practitioner_ai_skills"])
    await flows.accreditation_action(technical["id"], "suspend", await stack.as_role("admin"), "show cause")

    async def listed(**params) -> list[str]:
        response = await stack.client.get(ACCREDITATIONS, params={"supplier_id": supplier["id"], **params})
        assert response.status_code == 200, response.text
        return [a["id"] for a in response.json()["data"]]

    assert await listed() == [technical["id"], executive["id"]]
    assert await listed(area="executive_ai_leadership") == [executive["id"]]
    assert await listed(area="practitioner_ai_skills") == [technical["id"]]
    assert await listed(area="ai_te_reo_maori_contexts") == []
    assert await listed(status="active") == [executive["id"]]
    assert await listed(status="suspended", area="technical_ml_engineering") == [technical["id"]]
    first = (await stack.client.get(ACCREDITATIONS, params={"supplier_id": supplier["id"], "limit": 1})).json()
    second = (await stack.client.get(ACCREDITATIONS, params={"supplier_id": supplier["id"], "limit": 1,
                                                             "cursor": first["next_cursor"]})).json()
    assert [a["id"] for a in first["data"] + second["data"]] == [technical["id"], executive["id"]]
    assert second["next_cursor"] is None
    shown = await stack.client.get(f"{ACCREDITATIONS}/{executive['id']}", headers=await stack.as_role("buyer"))
    assert shown.status_code == 200 and shown.headers["ETag"] == '"1"'
    for params in ({"area": "cooking"}, {"status": "lapsed"}, {"limit": 500}, {"cursor": "bm90IGEgY3Vyc29y"}):
        response = await stack.client.get(ACCREDITATIONS, params=params)
        assert response.status_code in (400, 422), (params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    missing = await stack.client.get(f"{ACCREDITATIONS}/no-such-accreditation")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    unknown_action = await flows.accreditation_action(executive["id"], "promote", await stack.as_role("admin"))
    assert unknown_action.status_code == 422
    long_reason = await flows.accreditation_action(executive["id"], "suspend", await stack.as_role("admin"), "x" * 3000)
    assert long_reason.status_code == 422

    assessor = await stack.as_role("assessor")
    assert (await flows.accreditation_action(technical["id"], "revoke", assessor)).status_code == 422
    revoked = (await flows.accreditation_action(technical["id"], "revoke", assessor, "no answer given")).json()
    assert revoked["status"] == "revoked" and revoked["suspended_reason"] is None
    assert revoked["status_reason"] == "no answer given"
    assert await listed(status="revoked") == [technical["id"]]


async def _replay_as_new_event(stack, broker, supplier_id: str, event_type: str) -> None:
    """Put an old supplier event on the topic again with a fresh event id; wait until it is dropped as stale."""
    records = await read_topic(broker.bootstrap_servers, SUPPLIER_TOPIC.name,
                               until=lambda rs: any(header(r, "ce_type") == event_type and r.key == supplier_id.encode()
                                                    for r in rs))
    old = next(r for r in records if header(r, "ce_type") == event_type and r.key == supplier_id.encode())
    metrics = stack.servers["accreditation"].app.state.metrics.consumed.labels(SUPPLIER_TOPIC.name, "stale")
    before = metrics._value.get()
    headers = [(k, v) for k, v in old.headers if k != "ce_id"] + [("ce_id", f"replay-{uuid.uuid4()}".encode())]
    await produce_raw(broker.bootstrap_servers, SUPPLIER_TOPIC.name, old.value, key=old.key, headers=headers)

    async def dropped():
        return metrics._value.get() > before

    await eventually(dropped)


async def test_a_suspended_or_deregistered_supplier_takes_its_accreditations_with_it(stack, flows, broker):
    supplier, first = await flows.accredited()
    _, second = await flows.accredited(supplier)
    _, third = await flows.accredited(supplier)
    admin = await stack.as_role("admin")
    await flows.accreditation_action(third["id"], "suspend", admin, "show cause: misleading course claims")

    response = await stack.client.post(f"/api/v1/suppliers/{supplier['id']}/suspend", json={"reason": "tax"},
                                       headers=admin)
    assert response.status_code == 200, response.text
    await flows.known_as(supplier["id"], "suspended")
    for accreditation in (first, second):
        shown = await flows.accreditation(accreditation["id"])
        assert shown["status"] == "suspended" and shown["suspended_reason"] == "supplier"
    assert (await flows.accreditation(third["id"]))["suspended_reason"] == "show_cause"
    blocked = await flows.accreditation_action(first["id"], "reinstate", admin)
    assert blocked.status_code == 409 and "not active" in blocked.json()["detail"]

    assert (await stack.client.post(f"/api/v1/suppliers/{supplier['id']}/reinstate", headers=admin)).status_code == 200
    await flows.known_as(supplier["id"], "active")
    for accreditation in (first, second):
        shown = await flows.accreditation(accreditation["id"])
        assert shown["status"] == "active" and shown["suspended_reason"] is None
    assert (await flows.accreditation(third["id"]))["status"] == "suspended"
    history = (await stack.client.get(f"{ACCREDITATIONS}/{first['id']}/history", headers=admin)).json()["data"]
    assert [(h["action"], h["actor"]) for h in history] == [("grant", "assessor"), ("suspend", "system"),
                                                            ("reinstate", "system")]

    # The supplier's suspension delivered again, late and under a new id, is stale and changes nothing.
    await _replay_as_new_event(stack, broker, supplier["id"], "nz.govt.marketplace.supplier.suspended.v1")
    assert (await flows.accreditation(first["id"]))["status"] == "active"

    response = await stack.client.post(f"/api/v1/suppliers/{supplier['id']}/deregister",
                                       json={"reason": "left the market"}, headers=admin)
    assert response.status_code == 200, response.text
    await flows.known_as(supplier["id"], "deregistered")
    assert (await flows.accreditation(first["id"]))["status"] == "suspended"
    assert (await flows.accreditation(first["id"]))["suspended_reason"] == "supplier"
