"""Offerings and their assurance assessments, followed through events on either database: publication needs a
current accepted assessment, the risk tier and commitments come from it, and an assessment due for renewal or
lapsed flags the offering (which stays published) where buyers see it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from assurance.assessment.jobs import lapse_due
from assurance.main import build as build_assurance
from servicekit.tables import AuditEntry, OutboxRecord
from servicekit.testing import RunningServer
from assurance.questionnaire.service import load
from testsupport.assurance_helpers import assessed, shown_on_offering
from testsupport.catalogue_helpers import URL, act, drafted, eligible_supplier, published


async def test_publication_needs_a_current_accepted_assessment_and_takes_its_tier(stack):
    supplier = await eligible_supplier(stack)
    own, assessor = await stack.as_supplier(supplier["credentials"]), await stack.as_role("assessor")
    offering = await drafted(stack, own)
    assert (offering["risk_tier"], offering["impact_level"], offering["commitments_addressed"]) == ("unassessed", None, [])
    refused = await stack.client.post(URL, json={**offering_fields(offering), "risk_tier": "minimal"}, headers=own)
    assert refused.status_code == 422 and "risk_tier" in refused.text  # no longer the supplier's to say
    await act(stack, offering["id"], "submit", own)
    blocked = await act(stack, offering["id"], "publish", assessor)
    assert blocked.status_code == 409 and blocked.headers["content-type"] == "application/problem+json"
    assert blocked.json()["detail"] == ("publishing needs a current accepted assurance assessment: the offering has no "
                                        "accepted assurance assessment (POST /api/v1/assurance/assessments)")

    first = await assessed(stack, own, offering["id"], "IV")
    shown = await shown_on_offering(stack, offering["id"], lambda o: o["assessment_id"] == first["id"])
    assert (shown["risk_tier"], shown["impact_level"], shown["status"]) == ("high", "IV", "submitted")
    assert shown["commitments_addressed"] == []  # no mitigating answer carries weight at level IV
    live = await act(stack, offering["id"], "publish", assessor)
    assert live.status_code == 200 and live.json()["risk_tier"] == "high", live.text

    # A better assessment accepted later stands in its place: the tier follows, the offering stays published.
    second = await assessed(stack, own, offering["id"], "I")
    after = await shown_on_offering(stack, offering["id"], lambda o: o["assessment_id"] == second["id"])
    assert (after["risk_tier"], after["impact_level"], after["status"]) == ("minimal", "I", "published")
    assert after["commitments_addressed"] == ["transparency", "partnership", "people", "data",
                                              "privacy_ethics_human_rights", "human_oversight"]
    buyer_view = (await stack.client.get(URL, params={"risk_tier": "minimal"}, headers=await stack.as_role("buyer")))
    assert [o["id"] for o in buyer_view.json()["data"]] == [offering["id"]]
    assert buyer_view.json()["facets"]["risk_tier"] == [{"value": "minimal", "count": 1}]


def offering_fields(offering: dict) -> dict:
    """The fields a supplier sends, from an offering as the API shows it."""
    from catalogue.offering.models import OfferingBase
    return {name: offering[name] for name in OfferingBase.model_fields}


async def test_a_new_questionnaire_and_a_lapse_flag_the_offering_for_buyers(stack):
    supplier = await eligible_supplier(stack, end_date=(stack.clock.now().date() + timedelta(days=900)).isoformat())
    own = await stack.as_supplier(supplier["credentials"])
    offering = await published(stack, own)
    other = await drafted(stack, own, name="Kōrero Speech")
    await assessed(stack, own, other["id"])
    await act(stack, other["id"], "submit", own)
    assert (await stack.client.get(f"{URL}/{offering['id']}")).json()["assurance_flag"] is None

    revised = {**load().model_dump(mode="json"), "title": "AI assurance assessment, revised"}
    published_v2 = await stack.client.post("/api/v1/assurance/questionnaires", json=revised,
                                           headers=await stack.as_role("admin"))
    assert published_v2.status_code == 201
    flagged = await shown_on_offering(stack, offering["id"], lambda o: o["assurance_flag"] == "renewal_due")
    assert flagged["status"] == "published" and flagged["risk_tier"] == "limited"
    anyone = (await stack.client.get(f"{URL}/{offering['id']}")).json()
    assert anyone["assurance_flag"] == "renewal_due"  # buyers and the public see it

    stack.clock.advance(days=366)
    assert await lapse_due(stack.servers["assurance"].app.state.database, stack.clock) == 2
    assert await lapse_due(stack.servers["assurance"].app.state.database, stack.clock) == 0
    lapsed = await shown_on_offering(stack, offering["id"], lambda o: o["assurance_flag"] == "lapsed")
    assert lapsed["status"] == "published" and lapsed["risk_tier"] == "limited"  # flagged, not suspended
    history = (await stack.client.get(f"{URL}/{offering['id']}/history", headers=own)).json()["data"]
    assert [(h["action"], h["actor"]) for h in history][-3:] == [("publish", "assessor"), ("assess", "system"),
                                                                 ("assess", "system")]

    # Another offering of the supplier, submitted while its assessment was current, can no longer be published.
    stale = await act(stack, other["id"], "publish", await stack.as_role("assessor"))
    assert stale.status_code == 409 and "lapsed after" in stale.json()["detail"]


@pytest.mark.parametrize("database_backend", ["postgres"])
async def test_two_replicas_on_postgres_lapse_each_assessment_once(stack):
    """Two assurance apps on one PostgreSQL database run the lapse at the same moment, three times each."""
    supplier = await eligible_supplier(stack)
    own = await stack.as_supplier(supplier["credentials"])
    offerings = [await drafted(stack, own, name=f"Offering {n}") for n in range(3)]
    ids = [(await assessed(stack, own, offering["id"], "II"))["id"] for offering in offerings]
    replica = RunningServer(build_assurance(stack.settings_for("assurance"), clock=stack.clock))
    await replica.start()
    try:
        databases = [stack.servers["assurance"].app.state.database, replica.app.state.database]
        stack.clock.advance(days=366)
        counts = await asyncio.gather(*(lapse_due(db, stack.clock) for db in databases for _ in range(3)))
        assert sum(counts) == len(ids)
        async with databases[0].transaction() as session:
            changes = await session.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.aggregate_id.in_(ids), AuditEntry.action == "lapse"))
            events = await session.scalar(select(func.count()).select_from(OutboxRecord).where(
                OutboxRecord.subject.in_(ids), OutboxRecord.event_type.endswith(".lapsed.v1")))
        assert changes == len(ids) and events == len(ids)
    finally:
        await replica.stop()
    for offering in offerings:
        await shown_on_offering(stack, offering["id"], lambda o: o["assurance_flag"] == "lapsed")
