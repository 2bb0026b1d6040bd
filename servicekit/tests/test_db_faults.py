"""A database that goes away: requests answer 503 with Retry-After, readiness says so, the relay and the
consumer wait, and everything goes on by itself when the database is back."""

import sqlite3

import asyncpg
import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.util import await_

from events import Envelope
from servicekit.bus import BrokerUnavailable
from servicekit.consumer import on
from servicekit.db import database_unavailable
from servicekit.problems import PROBLEM_CONTENT_TYPE
from servicekit.tables import OutboxRecord
from servicekit.testing import PATIENCE_SECONDS, eventually
from servicekit.tests.sample.events import SAMPLE_TOPIC, events_on
from servicekit.tests.sample.handlers import apply_note_event
from servicekit.tests.sample.models import SampleNote, SampleProjection
from servicekit.tests.support import T0, produce_raw, read_topic, unique


def assert_unavailable(response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["type"].endswith("/database-unavailable")
    assert 1 <= int(response.headers["retry-after"]) <= 30
    assert response.json()["status"] == 503


def note_envelope(registered, note_id: str) -> Envelope:
    event = registered(aggregate_id=note_id, version=1, occurred_at=T0, actor="alice",
                       supplier={"id": note_id, "legal_name": "sent while cut", "org_id": "SAMPLE", "size": "small",
                                 "status": "active"})
    return Envelope(type=registered.TYPE, source="/services/sample", subject=note_id, data=event.model_dump(mode="json"))


async def test_postgres_cut_gives_503_and_everything_recovers_by_itself(start_proxied_sample, database_proxy, broker):
    topic = unique("servicekit.db-faults") + ".v1"
    registered, updated = events_on(topic)
    sample = await start_proxied_sample(subscriptions=on(registered, updated, handler=apply_note_event))
    metrics = sample.app.state.metrics
    before = await sample.create_note("before the cut")

    # The connection is lost in the middle of a request that has read and is about to write.
    sample.app.state.hooks["before_write"] = database_proxy.cut
    assert_unavailable(await sample.client.patch(f"/api/v1/notes/{before['id']}", json={"title": "lost"},
                                                 headers={"if-match": '"1"'}))
    sample.app.state.hooks.clear()
    assert_unavailable(await sample.client.get(f"/api/v1/notes/{before['id']}"))
    refused = await sample.client.post("/api/v1/notes", json={"title": "during the cut"})
    assert_unavailable(refused)
    assert "commit_outcome" not in refused.json(), "nothing was sent to commit"
    assert_unavailable(await sample.client.get("/api/v1/notes"))
    ready = await sample.client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["checks"] == {"database": False, "broker": True}

    # An event arriving now cannot be applied: the consumer waits on it instead of dead-lettering it.
    await produce_raw(broker.bootstrap_servers, topic, **_record(note_envelope(registered, "sent-while-cut")))

    async def consumer_waited():
        return metrics.database_unavailable.labels("consumer")._value.get() > 0

    await eventually(consumer_waited)

    await database_proxy.restore()
    # Pooled connections died with the cut; they are replaced before use, so the first request succeeds.
    kept = await sample.client.get(f"/api/v1/notes/{before['id']}")
    assert kept.status_code == 200 and kept.json()["title"] == "before the cut"
    after = await sample.create_note("after the cut")
    assert (await sample.client.get("/readyz")).status_code == 200

    async def applied():
        async with sample.database.sessions() as session:
            return await session.get(SampleProjection, "sent-while-cut")

    assert (await eventually(applied)).title == "sent while cut"
    assert metrics.dead_letters.labels(topic)._value.get() == 0

    async def relayed():
        rows = await sample.rows(OutboxRecord, OutboxRecord.subject == after["id"])
        return rows and rows[0].published_at is not None

    await eventually(relayed)
    records = await read_topic(broker.bootstrap_servers, SAMPLE_TOPIC, timeout=PATIENCE_SECONDS,
                               until=lambda rs: any(r.key == after["id"].encode() for r in rs))
    assert [r.key for r in records].count(after["id"].encode()) == 1


async def test_a_connection_lost_while_committing_says_the_outcome_is_unknown(start_proxied_sample, database_proxy):
    sample = await start_proxied_sample()
    engine = sample.database.engine.sync_engine

    def mark_note_writes(connection, _cursor, statement, *_) -> None:
        if statement.startswith("INSERT INTO sample_notes"):
            connection.info["wrote_note"] = True

    def cut_before_the_note_commits(connection) -> None:
        # Called by SQLAlchemy inside its greenlet, just before COMMIT; the relay's own commits pass untouched.
        if connection.info.pop("wrote_note", False):
            await_(database_proxy.cut())

    event.listen(engine, "before_cursor_execute", mark_note_writes)
    event.listen(engine, "commit", cut_before_the_note_commits)
    response = await sample.client.post("/api/v1/notes", json={"title": "in doubt"})
    assert_unavailable(response)
    assert response.json()["commit_outcome"] == "unknown"
    assert "may or may not have been saved" in response.json()["detail"]


def _record(envelope: Envelope) -> dict:
    return {"value": envelope.value(), "key": envelope.key, "headers": envelope.headers()}


async def test_sqlite_locked_past_the_busy_timeout_gives_503_then_writes_again(start_sqlite_sample):
    sample = await start_sqlite_sample(database_busy_timeout_seconds=0.2)
    lock = sqlite3.connect(make_url(sample.settings.database_url).database, isolation_level=None)
    try:
        lock.execute("BEGIN EXCLUSIVE")
        assert_unavailable(await sample.client.post("/api/v1/notes", json={"title": "while locked"}))
        # WAL: readers are not held up by the writer's lock.
        assert (await sample.client.get("/api/v1/notes")).status_code == 200
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    await sample.create_note("after the lock")
    assert [note.title for note in await sample.rows(SampleNote)] == ["after the lock"]


def _sqlite_error(cls, name: str) -> sqlite3.Error:
    error = cls("database is locked" if name == "SQLITE_BUSY" else "constraint failed")
    error.sqlite_errorname = name
    return error


@pytest.mark.parametrize("error, away", [
    (ConnectionRefusedError(111, "Connect call failed"), True),
    (asyncpg.exceptions.CannotConnectNowError("the database system is starting up"), True),
    (asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"), True),
    (asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"), True),
    (OperationalError("INSERT", {}, _sqlite_error(sqlite3.OperationalError, "SQLITE_BUSY")), True),
    (asyncpg.exceptions.UniqueViolationError("duplicate key value"), False),
    (IntegrityError("INSERT", {}, _sqlite_error(sqlite3.IntegrityError, "SQLITE_CONSTRAINT_FOREIGNKEY")), False),
    (BrokerUnavailable("the broker did not answer a metadata request"), False),
    (RuntimeError("a handler's own bug"), False),
])
def test_what_counts_as_the_database_being_away(error, away):
    assert database_unavailable(error) is away
