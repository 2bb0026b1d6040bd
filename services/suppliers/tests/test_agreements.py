"""Agreements through the gateway: the transition table per role, expiry, and events on the wire."""

import asyncio
from datetime import timedelta

import pytest
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary
from cloudevents.core.formats.json import JSONFormat
from sqlalchemy import func, select

from events.suppliers import AGREEMENT_TOPIC
from servicekit.tables import AuditEntry, OutboxRecord
from servicekit.testing import RunningServer, create_postgres_database, drop_postgres_database
from suppliers.agreement.jobs import expire_due_agreements
from suppliers.main import build as build_suppliers
from testsupport.kafka_tools import read_topic
from testsupport.helpers import SIGNATURE, active_supplier, activated, offer_body, offered, supplier_body


async def test_the_full_life_of_an_agreement(stack, broker):
    supplier = await active_supplier(stack)
    admin, own = await stack.as_role("admin"), await stack.as_supplier(supplier["credentials"])
    agreement = await offered(stack, supplier)
    url = f"/api/v1/agreements/{agreement['id']}"
    assert agreement["status"] == "offered"

    early = await stack.client.post(f"{url}/countersign", headers=admin)
    assert early.status_code == 409 and early.json()["allowed_actions"] == ["sign", "terminate"]
    signed = await stack.client.post(f"{url}/sign", json=SIGNATURE, headers=own)
    assert signed.json()["status"] == "signed" and signed.json()["supplier_signatory"] == SIGNATURE
    active = await stack.client.post(f"{url}/countersign", headers=admin)
    assert active.json()["status"] == "active" and active.json()["countersigned_by"] == "admin"

    new_end = (stack.clock.now().date() + timedelta(days=700)).isoformat()
    varied = await stack.client.post(f"{url}/vary", headers=admin, json={
        "scope": ["ai.document-processing"], "end_date": new_end,
        "effective_date": stack.clock.now().date().isoformat(), "reason": "narrowed scope, extended term"})
    assert varied.status_code == 200, varied.text
    assert varied.json()["variations"][0]["number"] == 1 and varied.json()["end_date"] == new_end
    assert varied.json()["scope"] == ["ai.document-processing"]

    assert (await stack.client.post(f"{url}/suspend", headers=admin)).status_code == 422
    assert (await stack.client.post(f"{url}/suspend", headers=admin, json={"reason": "audit"})).json()["status"] == "suspended"
    assert (await stack.client.post(f"{url}/reinstate", headers=admin)).json()["status"] == "active"
    ended = await stack.client.post(f"{url}/terminate", headers=admin, json={"reason": "breach of terms"})
    assert ended.json()["status"] == "terminated"
    assert (await stack.client.post(f"{url}/reinstate", headers=admin)).status_code == 409

    history = (await stack.client.get(f"{url}/history", headers=own)).json()["data"]
    assert [h["action"] for h in history] == ["offer", "sign", "countersign", "vary", "suspend", "reinstate",
                                              "terminate"]

    def mine(records):
        return [r for r in records if r.key == agreement["id"].encode()]

    records = mine(await read_topic(broker.bootstrap_servers, AGREEMENT_TOPIC.name,
                                    until=lambda rs: len(mine(rs)) == 7))
    events = [from_binary(KafkaMessage(headers=dict(r.headers), key=r.key, value=r.value), JSONFormat())
              for r in records]
    assert [e.get_type().split(".")[-2] for e in events] == [
        "offered", "signed", "activated", "varied", "suspended", "reinstated", "terminated"]
    assert [e.get_data()["version"] for e in events] == list(range(1, 8))
    assert events[-1].get_data()["agreement"]["status"] == "terminated"
    assert events[3].get_data()["agreement"]["variation_count"] == 1


async def test_who_may_do_what(stack):
    supplier, other = await active_supplier(stack), await active_supplier(stack)
    agreement = await offered(stack, supplier)
    url = f"/api/v1/agreements/{agreement['id']}"
    for role in ("buyer", "assessor", "partner"):
        headers = await stack.as_role(role)
        assert (await stack.client.post("/api/v1/agreements", json=offer_body(stack, supplier["id"]),
                                        headers=headers)).status_code == 403
        assert (await stack.client.post(f"{url}/sign", json=SIGNATURE, headers=headers)).status_code == 403
    admin = await stack.as_role("admin")
    assert (await stack.client.post(f"{url}/sign", json=SIGNATURE, headers=admin)).status_code == 403
    stranger = await stack.as_supplier(other["credentials"])
    assert (await stack.client.post(f"{url}/sign", json=SIGNATURE, headers=stranger)).status_code == 404
    assert (await stack.client.get(url, headers=stranger)).status_code == 404
    assert (await stack.client.get("/api/v1/agreements", headers=stranger)).json()["data"] == []
    own = await stack.as_supplier(supplier["credentials"])
    assert (await stack.client.post(f"{url}/countersign", headers=own)).status_code == 409  # not signed yet
    await stack.client.post(f"{url}/sign", json=SIGNATURE, headers=own)
    assert (await stack.client.post(f"{url}/countersign", headers=own)).status_code == 403
    assert (await stack.client.post(f"{url}/terminate", headers=own, json={"reason": "x"})).status_code == 403


async def test_a_supplier_that_is_not_active_cannot_sign(stack):
    pending = (await stack.client.post("/api/v1/suppliers", json=supplier_body())).json()
    agreement = await offered(stack, pending)
    own = await stack.as_supplier(pending["credentials"])
    refused = await stack.client.post(f"/api/v1/agreements/{agreement['id']}/sign", json=SIGNATURE, headers=own)
    assert refused.status_code == 409
    assert "pending_verification" in refused.json()["detail"]


async def test_bad_agreements_are_refused_with_problems(stack):
    supplier = await active_supplier(stack)
    admin = await stack.as_role("admin")
    today = stack.clock.now().date().isoformat()
    cases = [
        offer_body(stack, supplier["id"], end_date=today),
        offer_body(stack, supplier["id"], type="strategic_partnership"),
        offer_body(stack, supplier["id"], scope=[]),
        offer_body(stack, supplier["id"], scope=["Not A Code"]),
        offer_body(stack, supplier["id"], surprise=True),
        offer_body(stack, supplier["id"], type="strategic_partnership",
                   commitments={"discount_percent": 140}),
    ]
    for body in cases:
        response = await stack.client.post("/api/v1/agreements", json=body, headers=admin)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    missing = await stack.client.post("/api/v1/agreements", json=offer_body(stack, "no-such-supplier"), headers=admin)
    assert missing.status_code == 404


async def test_agreements_expire_by_themselves_exactly_once(stack):
    supplier = await active_supplier(stack)
    agreement = await activated(stack, supplier)
    suppliers_app = stack.servers["suppliers"].app
    assert await expire_due_agreements(suppliers_app.state.database, stack.clock) == 0

    stack.clock.advance(days=366)
    assert await expire_due_agreements(suppliers_app.state.database, stack.clock) == 1
    assert await expire_due_agreements(suppliers_app.state.database, stack.clock) == 0
    shown = (await stack.client.get(f"/api/v1/agreements/{agreement['id']}", headers=await stack.as_role("admin"))).json()
    assert shown["status"] == "expired"
    history = (await stack.client.get(f"/api/v1/agreements/{agreement['id']}/history",
                                      headers=await stack.as_role("admin"))).json()["data"]
    assert history[-1]["action"] == "expire" and history[-1]["actor"] == "system"


@pytest.mark.parametrize("database_backend", ["postgres"])
async def test_two_replicas_on_postgres_expire_each_agreement_once(stack, broker):
    """Two suppliers apps on one PostgreSQL database run the expiry at the same moment."""
    supplier = await active_supplier(stack)
    ids = [(await activated(stack, supplier))["id"] for _ in range(6)]
    replica = RunningServer(build_suppliers(stack.settings_for("suppliers"), clock=stack.clock))
    await replica.start()
    try:
        stack.clock.advance(days=400)
        databases = [stack.servers["suppliers"].app.state.database, replica.app.state.database]
        counts = await asyncio.gather(*(expire_due_agreements(db, stack.clock) for db in databases for _ in range(3)))
        async with databases[0].transaction() as session:
            expiries = await session.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.aggregate_id.in_(ids), AuditEntry.action == "expire"))
            events = await session.scalar(select(func.count()).select_from(OutboxRecord).where(
                OutboxRecord.subject.in_(ids), OutboxRecord.event_type.endswith(".expired.v1")))
        assert expiries == len(ids) and events == len(ids)
        assert sum(counts) >= len(ids)
    finally:
        await replica.stop()


@pytest.mark.parametrize("field", ["end_date", "scope", "commitments"])
async def test_a_variation_cannot_remove_what_an_agreement_always_has(stack, field):
    supplier = await active_supplier(stack)
    agreement = await activated(stack, supplier)
    url = f"/api/v1/agreements/{agreement['id']}"
    admin = await stack.as_role("admin")
    today = stack.clock.now().date().isoformat()
    body = {"scope": ["ai.document-processing"], "effective_date": today, "reason": "fuzzed", field: None}
    if field == "scope":
        body["end_date"] = (stack.clock.now().date() + timedelta(days=700)).isoformat()
    refused = await stack.client.post(f"{url}/vary", headers=admin, json=body)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["errors"] == [{"field": field, "message": "may be changed but not removed"}]
    unchanged = (await stack.client.get(url, headers=admin)).json()
    assert unchanged["version"] == agreement["version"] and unchanged["variations"] == []
