"""Transactional outbox against the real broker: rows exactly when changes, published in order, never lost."""

import asyncio
import time
from collections import defaultdict
from datetime import datetime, timezone

import orjson
import pytest
from aiokafka.errors import KafkaConnectionError
from sqlalchemy import select, text

from events.suppliers import SupplierRegistered, SupplierUpdated
from servicekit.broker import EmbeddedBroker
from servicekit.db import Database
from servicekit.migrations import upgrade_to_head
from servicekit.outbox import OUTBOX_SIGNAL, OutboxRelay, emit, envelope_of
from servicekit.tables import OutboxRecord
from servicekit.telemetry import ServiceMetrics
from servicekit.testing import eventually
from servicekit.tests.sample.events import SAMPLE_TOPIC
from servicekit.tests.sample.main import MIGRATIONS
from servicekit.tests.sample.settings import SampleSettings
from servicekit.tests.support import header, headers_of, note_event, read_topic

T0 = datetime(2026, 4, 1, 12, 0, tzinfo=timezone.utc)
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.fixture
async def database(database_urls):
    database = Database(await database_urls("outbox"))
    await upgrade_to_head(database, MIGRATIONS)
    yield database
    await database.dispose()


async def pending(database: Database) -> list[OutboxRecord]:
    async with database.sessions() as session:
        return list((await session.execute(
            select(OutboxRecord).where(OutboxRecord.published_at.is_(None)).order_by(OutboxRecord.id))).scalars())


async def all_rows(database: Database, subjects=None) -> list[OutboxRecord]:
    async with database.sessions() as session:
        statement = select(OutboxRecord).order_by(OutboxRecord.id)
        if subjects is not None:
            statement = statement.where(OutboxRecord.subject.in_(subjects))
        return list((await session.execute(statement)).scalars())


async def test_emit_writes_the_row_in_the_callers_transaction(database):
    async with database.transaction() as session:
        row = emit(session, note_event("n-1"))
    [stored] = await all_rows(database)
    assert stored.event_id == row.event_id
    assert (stored.topic, stored.event_type, stored.subject) == (SAMPLE_TOPIC, SupplierRegistered.TYPE, "n-1")
    assert orjson.loads(stored.payload)["supplier"]["id"] == "n-1"
    assert stored.published_at is None and stored.attempts == 0


async def test_emit_in_a_rolled_back_transaction_leaves_no_row(database):
    signal = database.signal(OUTBOX_SIGNAL)
    with pytest.raises(RuntimeError):
        async with database.transaction() as session:
            emit(session, note_event("n-1"))
            await session.flush()
            raise RuntimeError("the change failed after emitting")
    assert await all_rows(database) == []
    assert not signal.is_set(), "a rolled-back emit must not wake the relay"
    async with database.transaction() as session:
        emit(session, note_event("n-2"))
    assert signal.is_set()


def test_envelope_of_a_row_read_back_without_offset_is_utc():
    row = OutboxRecord(event_id="e-1", topic=SAMPLE_TOPIC, event_type=SupplierUpdated.TYPE, subject="n-1",
                       payload='{"a": 1}', traceparent=TRACEPARENT, occurred_at=datetime(2026, 4, 1, 12, 0))
    envelope = envelope_of(row, "sample")
    assert envelope.time == T0
    headers = {k: v.decode() for k, v in envelope.headers()}
    assert headers["ce_time"] == "2026-04-01T12:00:00Z"
    assert headers["ce_source"] == "/services/sample"
    assert headers["traceparent"] == TRACEPARENT


async def test_committed_rows_are_published_in_id_order_with_cloudevents_headers(start_sample, broker):
    sample = await start_sample(relay_poll_seconds=30)
    started = time.monotonic()
    first = await sample.create_note("first")
    # Woken by the commit: published long before the 30 s poll would have found it.
    await eventually(lambda: _published(sample.database, [first["id"]]))
    assert time.monotonic() - started < 5

    notes = [first] + [await sample.create_note(f"note {i}") for i in range(2)]
    ids = [n["id"] for n in notes]
    for version in (1, 2):
        for note in notes:
            response = await sample.client.patch(f"/api/v1/notes/{note['id']}", json={"title": f"v{version + 1}"},
                                                 headers={"If-Match": f'"{version}"'})
            assert response.status_code == 200
    await eventually(lambda: _published(sample.database, ids))
    rows = await all_rows(sample.database, ids)
    assert len(rows) == 9
    outbox_id = {row.event_id: row.id for row in rows}

    def mine(records):
        return [r for r in records if r.key and r.key.decode() in ids]

    records = mine(await read_topic(broker.bootstrap_servers, SAMPLE_TOPIC, until=lambda rs: len(mine(rs)) >= 9))
    assert sorted(header(r, "ce_id") for r in records) == sorted(outbox_id), "each row published exactly once"

    by_partition = defaultdict(list)
    by_note = defaultdict(list)
    for record in records:
        by_partition[record.partition].append(outbox_id[header(record, "ce_id")])
        by_note[record.key.decode()].append(orjson.loads(record.value)["version"])
    for partition, published in by_partition.items():
        assert published == sorted(published), f"partition {partition} is out of outbox id order"
    assert all(versions == [1, 2, 3] for versions in by_note.values())

    rows_by_event = {row.event_id: row for row in rows}
    for record in records:
        found = headers_of(record)
        row = rows_by_event[found["ce_id"]]
        assert found["ce_source"] == "/services/sample"
        assert found["ce_specversion"] == "1.0"
        assert found["ce_type"] == row.event_type
        assert found["ce_type"] == (SupplierRegistered.TYPE if orjson.loads(record.value)["version"] == 1
                                    else SupplierUpdated.TYPE)
        assert found["ce_subject"] == found["ce_partitionkey"] == record.key.decode() == row.subject
        assert found["content-type"] == "application/json"
        assert datetime.fromisoformat(found["ce_time"]).tzinfo is not None
        assert found["ce_time"].endswith("Z")
        assert found["traceparent"].split("-")[1] == row.traceparent.split("-")[1]
        assert orjson.loads(record.value) == orjson.loads(row.payload)
    metrics = sample.app.state.metrics
    assert metrics.outbox_backlog._value.get() == 0
    # Every acknowledged send counted under the messaging convention's name.
    assert metrics.registry.get_sample_value("messaging_client_sent_messages_total", {
        "messaging_system": "kafka", "messaging_operation_name": "send",
        "messaging_destination_name": SAMPLE_TOPIC}) == 9


async def _published(database: Database, subjects: list[str]) -> bool:
    rows = await all_rows(database, subjects)
    return bool(rows) and all(row.published_at is not None for row in rows)


@pytest.fixture
async def own_broker(tmp_path):
    """A broker of this test's own: stopping it disturbs no other test."""
    running = EmbeddedBroker(log_file=tmp_path / "broker.log")
    running.start()
    yield running
    running.stop()


def crash(broker: EmbeddedBroker) -> None:
    """Kill the broker outright (a graceful stop waits for its clients to leave)."""
    broker.process.kill()
    broker.process.wait()
    broker.process = None


async def test_rows_written_while_the_broker_is_down_are_all_published_afterwards(own_broker, start_sample):
    sample = await start_sample(kafka_bootstrap_servers=own_broker.bootstrap_servers)
    before = await sample.create_note("before the outage")
    await eventually(lambda: _published(sample.database, [before["id"]]))

    crash(own_broker)
    notes = [await sample.create_note(f"outage {i}") for i in range(3)]
    for note in notes:
        response = await sample.client.patch(f"/api/v1/notes/{note['id']}", json={"title": "changed"},
                                             headers={"If-Match": '"1"'})
        assert response.status_code == 200, response.text
    ids = [n["id"] for n in notes]
    await asyncio.sleep(1.0)
    assert len(await pending(sample.database)) == 6, "nothing can be published while the broker is down"

    own_broker.start()
    await eventually(lambda: _published(sample.database, ids))
    rows = await all_rows(sample.database, ids)

    def mine(records):
        return [r for r in records if r.key and r.key.decode() in ids]

    expected = {row.event_id for row in rows}
    records = mine(await read_topic(own_broker.bootstrap_servers, SAMPLE_TOPIC,
                                    until=lambda rs: {header(r, "ce_id") for r in mine(rs)} >= expected))
    assert {header(r, "ce_id") for r in records} == expected, "an event was lost"
    by_note = defaultdict(list)
    for record in records:
        version = orjson.loads(record.value)["version"]
        if version not in by_note[record.key.decode()]:
            by_note[record.key.decode()].append(version)
    assert dict(by_note) == {note_id: [1, 2] for note_id in ids}


async def test_relay_marks_nothing_when_the_broker_cannot_be_reached(database):
    settings = SampleSettings(database_url=database.url, kafka_bootstrap_servers="127.0.0.1:1")
    relay = OutboxRelay(database, settings, ServiceMetrics())
    async with database.transaction() as session:
        emit(session, note_event("n-1"))
    with pytest.raises(KafkaConnectionError):
        await relay.publish_pending()
    await relay.stop()
    assert len(await pending(database)) == 1
    assert relay.metrics.outbox_backlog._value.get() == 1


@pytest.fixture
async def postgres_database(postgres_urls):
    """PostgreSQL only: SQLite services run as one replica, so the relay lock is PostgreSQL's."""
    database = Database(await postgres_urls("relay_lock"))
    await upgrade_to_head(database, MIGRATIONS)
    yield database
    await database.dispose()


async def test_only_one_relay_publishes_at_a_time_on_postgres(postgres_database, broker):
    database = postgres_database
    settings = SampleSettings(database_url=database.url, kafka_bootstrap_servers=broker.bootstrap_servers)
    relay = OutboxRelay(database, settings, ServiceMetrics())
    async with database.transaction() as session:
        emit(session, note_event("n-locked"))
    try:
        async with database.engine.connect() as other_replica:
            await other_replica.execute(text("BEGIN"))
            await other_replica.execute(text("SELECT pg_advisory_xact_lock(hashtext('outbox-relay'))"))
            assert await relay.publish_pending() == 0
            assert len(await pending(database)) == 1
            await other_replica.execute(text("COMMIT"))
        assert await relay.publish_pending() == 1
        assert await pending(database) == []
    finally:
        await relay.stop()


async def test_relay_stops_promptly_when_cancelled_as_it_is_woken(database):
    """Shutdown must not hang when a commit wakes the relay at the moment it is cancelled."""
    settings = SampleSettings(database_url=database.url, relay_poll_seconds=30)
    for spins in range(4):
        relay = OutboxRelay(database, settings, ServiceMetrics())
        task = asyncio.create_task(relay.run())
        await asyncio.sleep(0.2)
        relay.signal.set()
        for _ in range(spins):
            await asyncio.sleep(0)
        task.cancel()
        done, _ = await asyncio.wait([task], timeout=2)
        assert done, f"relay still running after cancel ({spins} loop turns after the wake-up)"
        await relay.stop()
