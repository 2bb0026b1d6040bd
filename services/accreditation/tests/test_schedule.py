"""Time-driven changes: renewal due ninety days before expiry and expiry at the date, each exactly
once, on one replica and on two sharing a PostgreSQL database."""

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from accreditation.main import build as build_accreditation
from accreditation.accreditation.jobs import expire_due, flag_renewals_due, run_schedule
from events.accreditation import ACCREDITATION_TOPIC
from servicekit.tables import AuditEntry, OutboxRecord
from servicekit.testing import RunningServer, eventually
from testsupport.kafka_tools import read_topic

ACCREDITATIONS = "/api/v1/accreditations"


def _days_until(stack, day: str) -> int:
    return (date.fromisoformat(day) - stack.clock.now().date()).days


async def test_renewal_due_and_expiry_happen_by_themselves_exactly_once(stack, flows, broker):
    supplier, accreditation = await flows.accredited()
    _, suspended = await flows.accredited(supplier)
    _, renewed_in_time = await flows.accredited(supplier)
    await flows.accreditation_action(suspended["id"], "suspend", await stack.as_role("admin"), "show cause")
    database = stack.servers["accreditation"].app.state.database
    assert await run_schedule(database, stack.clock) == {"expired": 0, "flagged": 0}

    stack.clock.advance(days=_days_until(stack, accreditation["renewal_due_on"]) - 1)
    assert await run_schedule(database, stack.clock) == {"expired": 0, "flagged": 0}
    stack.clock.advance(days=1)
    assert await run_schedule(database, stack.clock) == {"expired": 0, "flagged": 2}
    assert await run_schedule(database, stack.clock) == {"expired": 0, "flagged": 0}
    flagged = await flows.accreditation(accreditation["id"])
    assert flagged["status"] == "renewal_due" and flagged["renewal_due_on"] == stack.clock.now().date().isoformat()
    assert (await flows.accreditation(suspended["id"]))["status"] == "suspended"

    renewed = await flows.accreditation_action(renewed_in_time["id"], "renew", await stack.as_role("assessor"))
    assert renewed.json()["status"] == "active", renewed.text
    reinstated = (await flows.accreditation_action(suspended["id"], "reinstate", await stack.as_role("admin"))).json()
    assert reinstated["status"] == "renewal_due"  # its renewal date passed while it was suspended
    assert await run_schedule(database, stack.clock) == {"expired": 0, "flagged": 0}

    stack.clock.advance(days=_days_until(stack, accreditation["expires_on"]) - 1)
    assert await expire_due(database, stack.clock) == 0
    stack.clock.advance(days=1)
    assert await run_schedule(database, stack.clock) == {"expired": 2, "flagged": 0}
    assert await run_schedule(database, stack.clock) == {"expired": 0, "flagged": 0}
    assert (await flows.accreditation(accreditation["id"]))["status"] == "expired"
    assert (await flows.accreditation(suspended["id"]))["status"] == "expired"
    assert (await flows.accreditation(renewed_in_time["id"]))["status"] == "active"

    history = (await stack.client.get(f"{ACCREDITATIONS}/{accreditation['id']}/history",
                                      headers=await stack.as_role("admin"))).json()["data"]
    assert [(h["action"], h["actor"], h["to_state"]) for h in history] == [
        ("grant", "assessor", "active"), ("flag-renewal", "system", "renewal_due"), ("expire", "system", "expired")]

    def mine(records):
        return [r for r in records if r.key == accreditation["id"].encode()]

    records = mine(await read_topic(broker.bootstrap_servers, ACCREDITATION_TOPIC.name,
                                    until=lambda rs: len(mine(rs)) >= 3))
    types = [dict(r.headers)["ce_type"].decode().split(".")[-2] for r in records]
    assert types == ["granted", "flagged", "expired"]


@pytest.mark.parametrize("database_backend", ["sqlite"])
async def test_the_scheduler_runs_by_itself(stack, flows):
    """The job the service starts: a replica with a short interval flags the accreditation without help."""
    _, accreditation = await flows.accredited()
    replica = RunningServer(build_accreditation(stack.settings_for("accreditation", schedule_interval_seconds=0.1,
                                                                   consumers_enabled=False), clock=stack.clock))
    await replica.start()
    try:
        stack.clock.advance(days=_days_until(stack, accreditation["renewal_due_on"]))

        async def flagged():
            return (await flows.accreditation(accreditation["id"]))["status"] == "renewal_due"

        await eventually(flagged)
    finally:
        await replica.stop()


@pytest.mark.parametrize("database_backend", ["postgres"])
async def test_two_replicas_on_postgres_change_each_accreditation_once(stack, flows):
    """Two accreditation apps on one PostgreSQL database run the schedule at the same moment, three times each."""
    supplier, first = await flows.accredited()
    ids = [first["id"]] + [(await flows.accredited(supplier))[1]["id"] for _ in range(4)]
    replica = RunningServer(build_accreditation(stack.settings_for("accreditation"), clock=stack.clock))
    await replica.start()
    try:
        databases = [stack.servers["accreditation"].app.state.database, replica.app.state.database]
        for days, action, event in [(_days_until(stack, first["renewal_due_on"]), "flag-renewal", ".flagged.v1"),
                                    (100, "expire", ".expired.v1")]:
            stack.clock.advance(days=days)
            jobs = flag_renewals_due if action == "flag-renewal" else expire_due
            counts = await asyncio.gather(*(jobs(db, stack.clock) for db in databases for _ in range(3)))
            assert sum(counts) == len(ids)
            async with databases[0].transaction() as session:
                changes = await session.scalar(select(func.count()).select_from(AuditEntry).where(
                    AuditEntry.aggregate_id.in_(ids), AuditEntry.action == action))
                events = await session.scalar(select(func.count()).select_from(OutboxRecord).where(
                    OutboxRecord.subject.in_(ids), OutboxRecord.event_type.endswith(event)))
            assert changes == len(ids) and events == len(ids)
    finally:
        await replica.stop()
