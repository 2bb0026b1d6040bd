"""Assurance records of offerings as assessors find them, on either database: only a verified, active record in
date counts in filters, facets and comparisons; an assessor's note reaches the supplier in the history and no one
else; a supplier replaces records at any stage, keeping the findings of records sent unchanged; a verified record
is announced once, 30 days before it expires, even with two replicas running the check at once."""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from catalogue.certification.jobs import announce_due
from catalogue.main import build as build_catalogue
from servicekit.tables import AuditEntry, OutboxRecord
from servicekit.testing import RunningServer
from testsupport.catalogue_helpers import URL, act, eligible_supplier, offering_body, published, review_record

PROBLEM = "application/problem+json"


def certificate(standard: str, expires_on: date, **overrides) -> dict:
    return {"standard": standard, "evidence_type": "third_party_certificate", "issuer": "BSI Group ANZ",
            "accrediting_body": "JAS-ANZ", "scope": "Hosting, support and model operations",
            "certificate_number": f"{standard.upper()}-001", "issued_on": "2026-01-01",
            "expires_on": expires_on.isoformat()} | overrides


async def counted(stack, standard: str) -> tuple[set[str], int]:
    """Which offerings a buyer finds holding `standard`, and the certification facet's count for it."""
    buyer = await stack.as_role("buyer")
    found = (await stack.client.get(URL, params={"certification": standard}, headers=buyer)).json()
    facets = (await stack.client.get(URL, headers=buyer)).json()["facets"]["certification"]
    return {o["id"] for o in found["data"]}, next((v["count"] for v in facets if v["value"] == standard), 0)


async def records_of(stack, offering_id: str, headers: dict | None = None) -> list[dict]:
    return (await stack.client.get(f"{URL}/{offering_id}", headers=headers or {})).json()["assurance_records"]


async def test_only_verified_records_count_and_the_note_reaches_the_supplier_alone(stack):
    supplier = await eligible_supplier(stack)
    own, assessor = await stack.as_supplier(supplier["credentials"]), await stack.as_role("assessor")
    later = stack.clock.now().date() + timedelta(days=400)
    offering = await published(stack, own, verify=False, assurance_records=[
        certificate("iso_iec_42001", later), certificate("soc_2", later, evidence_type="self_assessment",
                                                         accrediting_body=None)])
    aims, soc = offering["assurance_records"]
    assert (aims["verification"], soc["verification"]) == ("unverified", "unverified")
    assert len(aims["id"]) == 16 and aims["id"] != soc["id"]
    assert await counted(stack, "iso_iec_42001") == (set(), 0)  # stated, not yet verified

    verified = await review_record(stack, offering["id"], aims["id"], assessor, "verified")
    assert verified.status_code == 200, verified.text
    assert verified.json()["assurance_records"][0]["verification"] == "verified"
    assert verified.headers["etag"] == f'"{verified.json()["version"]}"'
    assert await counted(stack, "iso_iec_42001") == ({offering["id"]}, 1)
    again = await review_record(stack, offering["id"], aims["id"], assessor, "verified")
    assert again.json()["version"] == verified.json()["version"]  # marked as it already was: nothing changes

    note = "The certificate number is not in the certification body's register."
    rejected = await review_record(stack, offering["id"], soc["id"], assessor, "rejected", note)
    assert rejected.json()["assurance_records"][1]["verification"] == "rejected"
    assert await counted(stack, "soc_2") == (set(), 0)
    withdrawn = await review_record(stack, offering["id"], aims["id"], assessor, "unverified", "Scope under review.")
    assert withdrawn.status_code == 200 and await counted(stack, "iso_iec_42001") == (set(), 0)

    history = (await stack.client.get(f"{URL}/{offering['id']}/history", headers=own)).json()["data"]
    reviews = [h for h in history if h["action"] == "review_record"]
    assert [(h["actor"], h["reason"]) for h in reviews] == [("assessor", None), ("assessor", note),
                                                            ("assessor", "Scope under review.")]
    assert reviews[1]["changes"] == {f"assurance_records.{soc['id']}.verification": {"from": "unverified",
                                                                                      "to": "rejected"}}
    public = (await stack.client.get(f"{URL}/{offering['id']}")).text
    assert note not in public and "register" not in public  # the note is the supplier's and the operators'
    assert (await stack.client.get(f"{URL}/{offering['id']}/history")).status_code == 401


async def test_who_may_review_and_what_is_refused(stack):
    supplier = await eligible_supplier(stack)
    own = await stack.as_supplier(supplier["credentials"])
    offering = await published(stack, own, verify=False)
    record_id = offering["assurance_records"][0]["id"]
    path = f"{URL}/{offering['id']}/assurance-records/{record_id}/review"
    for headers, status in ((own, 403), (await stack.as_role("buyer"), 403), (await stack.as_role("admin"), 403),
                            ({}, 401)):
        response = await stack.client.post(path, json={"verification": "verified"}, headers=headers)
        assert response.status_code == status and response.headers["content-type"] == PROBLEM, response.text
    assessor = await stack.as_role("assessor")
    no_note = await review_record(stack, offering["id"], record_id, assessor, "rejected")
    assert no_note.status_code == 422 and "note is required when a record is marked rejected" in no_note.text
    unknown = await stack.client.post(f"{URL}/{offering['id']}/assurance-records/0123456789abcdef/review",
                                      json={"verification": "verified"}, headers=assessor)
    assert unknown.status_code == 404 and unknown.headers["content-type"] == PROBLEM
    wrong = await stack.client.post(path, json={"verification": "approved"}, headers=assessor)
    assert wrong.status_code == 422 and "verification" in wrong.text
    assert (await act(stack, offering["id"], "retire", await stack.as_role("admin"))).status_code == 200
    closed = await review_record(stack, offering["id"], record_id, assessor, "verified")
    assert closed.status_code == 409 and closed.json()["current_state"] == "retired"


async def test_a_supplier_replaces_records_and_unchanged_ones_keep_their_finding(stack):
    supplier = await eligible_supplier(stack)
    own = await stack.as_supplier(supplier["credentials"])
    today = stack.clock.now().date()
    kept, expiring = certificate("iso_iec_27001", today + timedelta(days=600)), certificate("iso_iec_42001",
                                                                                         today + timedelta(days=20))
    offering = await published(stack, own, assurance_records=[kept, expiring])
    assert [r["verification"] for r in offering["assurance_records"]] == ["verified", "verified"]
    path = f"{URL}/{offering['id']}/assurance-records"
    renewed = certificate("iso_iec_42001", today + timedelta(days=1100), certificate_number="ISO42001-002")

    missing = await stack.client.put(path, json={"assurance_records": [kept, renewed]}, headers=own)
    assert missing.status_code == 428 and missing.headers["content-type"] == PROBLEM
    stale = await stack.client.put(path, json={"assurance_records": [kept, renewed]},
                                   headers=own | {"If-Match": '"1"'})
    assert stale.status_code == 412
    other = await stack.as_supplier((await eligible_supplier(stack))["credentials"])
    assert (await stack.client.put(path, json={"assurance_records": [kept]},
                                   headers=other | {"If-Match": f'"{offering["version"]}"'})).status_code == 403
    twice = await stack.client.put(path, json={"assurance_records": [kept, kept]},
                                   headers=own | {"If-Match": f'"{offering["version"]}"'})
    assert twice.status_code == 422 and "assurance_records.1" in twice.text
    unaccredited = await stack.client.put(path, json={"assurance_records": [{**kept, "accrediting_body": None}]},
                                          headers=own | {"If-Match": f'"{offering["version"]}"'})
    assert unaccredited.status_code == 422 and "accrediting_body is required" in unaccredited.text

    replaced = await stack.client.put(path, json={"assurance_records": [kept, renewed]},
                                      headers=own | {"If-Match": f'"{offering["version"]}"'})
    assert replaced.status_code == 200, replaced.text
    first, second = replaced.json()["assurance_records"]
    assert (first["id"], first["verification"]) == (offering["assurance_records"][0]["id"], "verified")
    assert second["verification"] == "unverified" and replaced.json()["status"] == "published"
    assert await counted(stack, "iso_iec_42001") == (set(), 0)  # the renewal waits for an assessor
    assert await counted(stack, "iso_iec_27001") == ({offering["id"]}, 1)
    same = await stack.client.put(path, json={"assurance_records": [kept, renewed]},
                                  headers=own | {"If-Match": replaced.headers["etag"]})
    assert same.json()["version"] == replaced.json()["version"]


async def test_a_verified_record_is_announced_once_thirty_days_before_it_expires(stack):
    supplier = await eligible_supplier(stack)
    own = await stack.as_supplier(supplier["credentials"])
    today = stack.clock.now().date()
    offering = await published(stack, own, assurance_records=[
        certificate("iso_iec_42001", today + timedelta(days=40)),
        certificate("iso_iec_27001", today + timedelta(days=35), status="suspended"),  # does not count
        certificate("soc_2", today + timedelta(days=400))])
    unverified = await published(stack, own, verify=False, name="Unverified Translate",
                                 assurance_records=[certificate("iso_iec_42001", today + timedelta(days=40))])
    catalogue = stack.servers["catalogue"].app.state.database
    assert await announce_due(catalogue, stack.clock, 30) == 0  # 40 days out
    stack.clock.advance(days=10)
    assert await announce_due(catalogue, stack.clock, 30) == 1
    assert await announce_due(catalogue, stack.clock, 30) == 0
    stack.clock.advance(days=5)
    assert await announce_due(catalogue, stack.clock, 30) == 0  # once per record

    announced = await records_of(stack, offering["id"])
    assert [r["expiry_notice_on"] for r in announced] == [(today + timedelta(days=10)).isoformat(), None, None]
    assert all(r["expiry_notice_on"] is None for r in await records_of(stack, unverified["id"]))
    history = (await stack.client.get(f"{URL}/{offering['id']}/history", headers=own)).json()["data"]
    assert [(h["action"], h["actor"], h["reason"]) for h in history][-1] == (
        "announce_expiry", "system", f"iso_iec_42001 certificate expires on {(today + timedelta(days=40)).isoformat()}")
    async with catalogue.transaction() as session:
        events = (await session.execute(select(OutboxRecord.payload).where(
            OutboxRecord.subject == offering["id"],
            OutboxRecord.event_type == "nz.govt.marketplace.offering.forewarned.v1"))).scalars().all()
    assert len(events) == 1
    event = json.loads(events[0])
    assert (event["record_id"], event["expires_on"]) == (announced[0]["id"], (today + timedelta(days=40)).isoformat())

    stack.clock.advance(days=26)  # past its expiry: it stops counting by the clock, no job needed
    assert await counted(stack, "iso_iec_42001") == (set(), 0)
    assert await counted(stack, "soc_2") == ({offering["id"]}, 1)


@pytest.mark.parametrize("database_backend", ["postgres"])
async def test_two_replicas_on_postgres_announce_each_record_once(stack):
    supplier = await eligible_supplier(stack)
    own = await stack.as_supplier(supplier["credentials"])
    later = stack.clock.now().date() + timedelta(days=45)
    offerings = [await published(stack, own, name=f"Offering {n}", assurance_records=[
        certificate("iso_iec_42001", later), certificate("iso_iec_27001", later)]) for n in range(3)]
    replica = RunningServer(build_catalogue(stack.settings_for("catalogue"), clock=stack.clock))
    await replica.start()  # its own check runs once as it starts: 45 days out, nothing is due yet
    try:
        stack.clock.advance(days=20)
        databases = [stack.servers["catalogue"].app.state.database, replica.app.state.database]
        counts = await asyncio.gather(*(announce_due(db, stack.clock, 30) for db in databases for _ in range(3)))
        assert sum(counts) == 2 * len(offerings)
        ids = [o["id"] for o in offerings]
        async with databases[0].transaction() as session:
            changes = await session.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.aggregate_id.in_(ids), AuditEntry.action == "announce_expiry"))
            events = await session.scalar(select(func.count()).select_from(OutboxRecord).where(
                OutboxRecord.subject.in_(ids), OutboxRecord.event_type.endswith(".forewarned.v1")))
        assert changes == events == 2 * len(offerings)
    finally:
        await replica.stop()


async def test_records_changed_in_a_draft_keep_their_defaults_and_their_finding(stack):
    """A PATCH sends records without the fields that have defaults (`status`): they are stored whole."""
    supplier = await eligible_supplier(stack)
    own = await stack.as_supplier(supplier["credentials"])
    later = stack.clock.now().date() + timedelta(days=300)
    draft = (await stack.client.post(URL, json={**offering_body(), "assurance_records": []}, headers=own)).json()
    changed = await stack.client.patch(f"{URL}/{draft['id']}", json={"assurance_records": [
        certificate("iso_iec_42001", later)]}, headers=own | {"If-Match": f'"{draft["version"]}"'})
    assert changed.status_code == 200, changed.text
    (record,) = changed.json()["assurance_records"]
    assert (record["status"], record["verification"], record["accrediting_body"]) == ("active", "unverified", "JAS-ANZ")
    assessor = await stack.as_role("assessor")
    assert (await review_record(stack, draft["id"], record["id"], assessor, "verified")).status_code == 200
    again = await stack.client.patch(f"{URL}/{draft['id']}", json={"assurance_records": [
        certificate("iso_iec_42001", later)], "name": "Kōrero Translate Plus"}, headers=own | {"If-Match": "*"})
    assert again.json()["assurance_records"][0]["verification"] == "verified"  # sent unchanged: still verified
