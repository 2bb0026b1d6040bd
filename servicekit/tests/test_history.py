"""Audit history: one row per change with who, when, from, to and why, read back in version order."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError

from servicekit.clock import SettableClock
from servicekit.history import read_history, record_change
from servicekit.identity import Identity
from servicekit.tables import AuditEntry
from servicekit.testing import identity_headers

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


def same_instant(text: str, expected: datetime) -> bool:
    moment = datetime.fromisoformat(text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)) == expected


async def test_every_change_is_recorded_with_actor_time_states_and_reason(start_sample):
    clock = SettableClock(T0)
    sample = await start_sample(clock=clock)
    note = await sample.create_note("draft")
    url = f"/api/v1/notes/{note['id']}"
    clock.advance(minutes=5)
    changed = await sample.client.patch(url, json={"title": "final"}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200
    clock.advance(hours=1)
    suspended = await sample.client.patch(url, json={"status": "suspended", "reason": "complaint received"},
                                          headers={"If-Match": '"2"', **identity_headers(Identity(subject="dave"), "sample")})
    assert suspended.status_code == 200

    history = (await sample.client.get(f"{url}/history")).json()
    assert history["next_cursor"] is None
    entries = history["data"]
    assert [e["version"] for e in entries] == [1, 2, 3]
    assert [e["action"] for e in entries] == ["create", "change", "change"]
    assert [e["actor"] for e in entries] == ["alice", "alice", "dave"]
    assert [(e["from_state"], e["to_state"]) for e in entries] == [(None, "active"), ("active", "active"),
                                                                   ("active", "suspended")]
    assert [e["reason"] for e in entries] == [None, None, "complaint received"]
    assert entries[1]["changes"] == {"title": "final"}
    assert entries[2]["changes"] == {"status": "suspended"}
    for entry, moment in zip(entries, [T0, T0 + timedelta(minutes=5), T0 + timedelta(minutes=65)]):
        assert same_instant(entry["at"], moment)


async def test_history_is_read_in_version_order_page_by_page(start_sample):
    sample = await start_sample()
    # Written out of order, and interleaved with another aggregate's changes.
    async with sample.database.transaction() as session:
        for version in (4, 1, 5, 3, 2):
            for aggregate_id in ("n-1", "n-2"):
                record_change(session, aggregate_type="sample_note", aggregate_id=aggregate_id, version=version,
                              action=f"v{version}", actor="system", at=T0 + timedelta(minutes=version))
        record_change(session, aggregate_type="other", aggregate_id="n-1", version=9, action="x", actor="system",
                      at=T0)
    seen, cursor = [], None
    async with sample.database.sessions() as session:
        while True:
            page = await read_history(session, aggregate_type="sample_note", aggregate_id="n-1", cursor=cursor,
                                      limit=2)
            seen += [entry.version for entry in page.data]
            if not (cursor := page.next_cursor):
                break
    assert seen == [1, 2, 3, 4, 5]
    response = await sample.client.get("/api/v1/notes/n-2/history", params={"limit": 3})
    assert [e["version"] for e in response.json()["data"]] == [1, 2, 3]


async def test_the_same_version_cannot_be_recorded_twice(start_sample):
    sample = await start_sample()
    with pytest.raises(IntegrityError):
        async with sample.database.transaction() as session:
            for _ in range(2):
                record_change(session, aggregate_type="sample_note", aggregate_id="n-1", version=1, action="create",
                              actor="system", at=T0)
    assert await sample.count(AuditEntry) == 0
