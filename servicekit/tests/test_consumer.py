"""Consumer runner on the real broker: once per event, in version order, dead letters, commits after the database."""

import asyncio
import time
from collections import Counter
from datetime import datetime, timezone

import orjson
import pytest
from aiokafka import TopicPartition
from sqlalchemy import select

from events import Envelope, dead_letter_topic
from servicekit.bus import Pace, create_producer
from servicekit.consumer import ConsumerRunner, on
from servicekit.db import Database
from servicekit.migrations import upgrade_to_head
from servicekit.tables import InboxRecord, SeenVersion
from servicekit.telemetry import ServiceMetrics
from servicekit.testing import eventually
from servicekit.tests.sample.events import events_on
from servicekit.tests.sample.handlers import POISON, apply_note_event
from servicekit.tests.sample.main import MIGRATIONS
from servicekit.tests.sample.models import SampleProjection
from servicekit.tests.sample.settings import SampleSettings
from servicekit.tests.support import committed_offset, headers_of, read_topic, unique

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=timezone.utc)


class Harness:
    """One consumer group on a topic of its own, a producer to feed it and the database it writes."""

    def __init__(self, database: Database, bootstrap_servers: str):
        self.database = database
        self.bootstrap_servers = bootstrap_servers
        self.topic = unique("servicekit.consumer-test") + ".v1"
        self.group = unique("group")
        self.registered, self.updated = events_on(self.topic)
        # Short group timeouts: a restarted consumer rejoins after the old member's session ran out.
        self.settings = SampleSettings(database_url=database.url, kafka_bootstrap_servers=bootstrap_servers,
                                       consumer_max_attempts=3, consumer_retry_backoff_seconds=0.01,
                                       kafka_session_timeout_ms=1000, kafka_heartbeat_interval_ms=200,
                                       kafka_rebalance_timeout_ms=500)
        self.calls: Counter[str] = Counter()
        self.sessions: list[int] = []  # the session of each handler call, in order
        self.order: list[tuple[str, int]] = []  # (aggregate, version) of each handler call, in order
        self.batches: list[int] = []
        self.gate: asyncio.Event | None = None
        self.entered = asyncio.Event()
        self.runner: ConsumerRunner | None = None
        self.task: asyncio.Task | None = None
        self.producer = create_producer(self.settings)

    async def handler(self, session, event) -> None:
        self.calls[event.aggregate_id] += 1
        self.sessions.append(id(session))
        self.order.append((event.aggregate_id, event.version))
        if event.supplier.legal_name == "gate" and self.gate is not None:
            self.entered.set()
            await self.gate.wait()
        await apply_note_event(session, event)

    async def batch_handler(self, session, events) -> None:
        """Applies a batch as the handler would each event: a poisoned one fails the whole batch."""
        self.batches.append(len(events))
        for event in events:
            await apply_note_event(session, event)

    async def start(self, **options) -> ConsumerRunner:
        self.runner = ConsumerRunner(group=self.group, subscriptions=on(self.registered, self.updated,
                                                                         handler=self.handler),
                                     database=self.database, settings=self.settings, metrics=ServiceMetrics(),
                                     **options)
        self.task = asyncio.create_task(self.runner.run())
        return self.runner

    async def crash(self) -> None:
        """Cancel the consumer wherever it is: nothing more is applied or committed."""
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
        await self.runner.stop()

    def envelope(self, aggregate_id: str, version: int, title: str = "title") -> Envelope:
        cls = self.registered if version == 1 else self.updated
        event = cls(aggregate_id=aggregate_id, version=version, occurred_at=T0, actor="alice",
                    supplier={"id": aggregate_id, "legal_name": title, "org_id": "SAMPLE", "size": "small",
                              "status": "active"})
        return Envelope(type=cls.TYPE, source="/services/sample", subject=aggregate_id,
                        data=event.model_dump(mode="json"))

    async def send(self, envelope: Envelope):
        return await self.send_raw(envelope.value(), key=envelope.key, headers=envelope.headers())

    async def send_raw(self, value: bytes | None, *, key: bytes, headers: list) -> object:
        return await self.producer.send_and_wait(self.topic, value, key=key, headers=headers)

    def outcomes(self, outcome: str) -> float:
        return self.runner.metrics.consumed.labels(self.topic, outcome)._value.get()

    def convention_sample(self, name: str, **labels: str) -> float:
        """A messaging metric of the OpenTelemetry conventions, for this harness's topic and group."""
        value = self.runner.metrics.registry.get_sample_value(name, {
            "messaging_system": "kafka", "messaging_destination_name": self.topic,
            "messaging_consumer_group_name": self.group, **labels})
        return value or 0.0

    async def projection(self, aggregate_id: str) -> SampleProjection | None:
        async with self.database.sessions() as session:
            return await session.get(SampleProjection, aggregate_id)

    async def applied(self, aggregate_id: str, version: int | None = None) -> bool:
        row = await self.projection(aggregate_id)
        return row is not None and (version is None or row.version == version)

    async def inbox(self) -> list[InboxRecord]:
        async with self.database.sessions() as session:
            return list((await session.execute(
                select(InboxRecord).where(InboxRecord.consumer_group == self.group))).scalars())

    async def dead_letters(self, count: int) -> list:
        return await read_topic(self.bootstrap_servers, dead_letter_topic(self.topic, self.group),
                                until=lambda records: len(records) >= count)


async def _running_harness(database_url: str, broker):
    database = Database(database_url)
    await upgrade_to_head(database, MIGRATIONS)
    running = Harness(database, broker.bootstrap_servers)
    await running.producer.start()
    yield running
    if running.task is not None:
        await running.crash()
    await running.producer.stop()
    await database.dispose()


@pytest.fixture
async def harness(database_urls, broker):
    async for running in _running_harness(await database_urls("consumer"), broker):
        yield running


@pytest.fixture
async def sqlite_harness(sqlite_urls, broker):
    """Dead-lettering a record that cannot be read never reaches the database: SQLite is enough."""
    async for running in _running_harness(await sqlite_urls("consumer"), broker):
        yield running


async def test_event_delivered_twice_is_applied_once(harness):
    await harness.start()
    twice = harness.envelope("n-1", 1)
    await harness.send(twice)
    await harness.send(twice)
    await eventually(lambda: _at_least(harness.outcomes("duplicate"), 1))
    row = await harness.projection("n-1")
    assert (row.version, row.applied) == (1, 1)
    assert harness.calls["n-1"] == 1
    assert harness.outcomes("applied") == 1
    assert [r.event_id for r in await harness.inbox()] == [twice.id]


async def test_stale_and_repeated_versions_are_dropped(harness):
    await harness.start()
    await harness.send(harness.envelope("n-1", 2, "second"))
    await harness.send(harness.envelope("n-1", 1, "first, late"))
    await harness.send(harness.envelope("n-1", 2, "second again, new id"))
    await harness.send(harness.envelope("n-1", 3, "third"))
    await eventually(lambda: harness.applied("n-1", 3))
    row = await harness.projection("n-1")
    assert (row.title, row.applied) == ("third", 2)
    assert harness.outcomes("stale") == 2
    assert harness.calls["n-1"] == 2
    async with harness.database.sessions() as session:
        seen = await session.get(SeenVersion, (harness.group, harness.topic, "n-1"))
    assert seen.version == 3
    # Stale events are remembered too, so their redelivery is a plain duplicate.
    assert len(await harness.inbox()) == 4


async def test_malformed_and_unknown_records_are_dead_lettered_and_the_consumer_goes_on(sqlite_harness):
    harness = sqlite_harness
    await harness.start()
    good = harness.envelope("n-1", 1)
    key = good.key  # one key: one partition, so the order below is the order consumed
    not_json = await harness.send_raw(b"{not json", key=key, headers=good.headers())
    no_headers = await harness.send_raw(good.value(), key=key, headers=[])
    unknown = harness.envelope("n-1", 1)
    unknown_headers = [(k, b"nz.govt.marketplace.sample.unknown.v1" if k == "ce_type" else v)
                       for k, v in unknown.headers()]
    unknown_type = await harness.send_raw(unknown.value(), key=key, headers=unknown_headers)
    bad_data = harness.envelope("n-1", 1)
    wrong_shape = await harness.send_raw(orjson.dumps({"aggregate_id": "n-1"}), key=key, headers=bad_data.headers())
    await harness.send(good)

    await eventually(lambda: harness.applied("n-1"))
    letters = await harness.dead_letters(4)
    assert len(letters) == 4
    expected = [(not_json, "value is not JSON"), (no_headers, "missing CloudEvents headers"),
                (unknown_type, "no handler for event type"), (wrong_shape, "data does not match")]
    for letter, (origin, reason) in zip(sorted(letters, key=lambda r: int(headers_of(r)["dlt_origin_offset"])),
                                        expected):
        found = headers_of(letter)
        assert reason in found["dlt_error"]
        assert found["dlt_origin_topic"] == harness.topic
        assert (int(found["dlt_origin_partition"]), int(found["dlt_origin_offset"])) == (origin.partition,
                                                                                         origin.offset)
        assert datetime.fromisoformat(found["dlt_failed_at"]).tzinfo is not None
        assert letter.key == key
    values = {int(headers_of(r)["dlt_origin_offset"]): r.value for r in letters}
    assert values[not_json.offset] == b"{not json"
    assert values[no_headers.offset] == good.value()
    assert harness.runner.metrics.dead_letters.labels(harness.topic)._value.get() == 4
    assert harness.outcomes("applied") == 1
    # The original headers travel with the dead letter, so it can be replayed as it was.
    unknown_letter = next(r for r in letters if "no handler" in headers_of(r)["dlt_error"])
    assert headers_of(unknown_letter)["ce_id"] == unknown.id


async def test_handler_that_keeps_failing_is_retried_then_dead_lettered(harness):
    await harness.start()
    poison = harness.envelope("n-1", 1, POISON)
    after = harness.envelope("n-1", 2, "after the poison")
    await harness.send(poison)
    await harness.send(after)
    await eventually(lambda: harness.applied("n-1", 2))
    assert harness.calls["n-1"] == harness.settings.consumer_max_attempts + 1
    [letter] = await harness.dead_letters(1)
    found = headers_of(letter)
    assert found["ce_id"] == poison.id
    assert found["dlt_error"].startswith("RuntimeError: cannot apply n-1: poisoned")
    assert orjson.loads(letter.value) == poison.data
    # The failed attempts were rolled back: the poisoned event is not in the inbox.
    assert [r.event_id for r in await harness.inbox()] == [after.id]
    assert (await harness.projection("n-1")).applied == 1
    # Each attempt is timed in the convention's metric, a failed one with the error's type.
    processed = "messaging_process_duration_seconds_count"
    assert harness.convention_sample(processed, messaging_operation_name="process", error_type="RuntimeError") == \
        harness.settings.consumer_max_attempts
    assert harness.convention_sample(processed, messaging_operation_name="process", error_type="") == 1
    assert harness.convention_sample("messaging_client_consumed_messages_total", messaging_operation_name="poll") == 2


async def test_offsets_are_committed_only_after_the_database_commit(harness):
    await harness.start()
    first = harness.envelope("n-1", 1, "first")
    sent = await harness.send(first)
    partition = TopicPartition(harness.topic, sent.partition)
    await eventually(lambda: harness.applied("n-1", 1))
    await eventually(lambda: _equals(committed_offset(harness.bootstrap_servers, harness.group, partition),
                                     sent.offset + 1), timeout=5)

    # The next record is in its handler, its transaction open: its offset must not be committed yet.
    harness.gate = asyncio.Event()
    second = harness.envelope("n-1", 2, "gate")
    sent_second = await harness.send(second)
    assert sent_second.partition == sent.partition
    await asyncio.wait_for(harness.entered.wait(), 15)
    await asyncio.sleep(0.3)
    assert await committed_offset(harness.bootstrap_servers, harness.group, partition) == sent.offset + 1
    assert [r.event_id for r in await harness.inbox()] == [first.id]

    # Crash there; a new consumer of the group redelivers the second record only, and applies it once.
    await harness.crash()
    harness.gate.set()
    restarted = await harness.start()
    await eventually(lambda: harness.applied("n-1", 2))
    await eventually(lambda: _equals(committed_offset(harness.bootstrap_servers, harness.group, partition),
                                     sent_second.offset + 1), timeout=5)
    assert restarted.metrics.consumed.labels(harness.topic, "duplicate")._value.get() == 0
    assert restarted.metrics.consumed.labels(harness.topic, "applied")._value.get() == 1
    assert (await harness.projection("n-1")).applied == 2
    assert harness.calls["n-1"] == 3  # first once, second twice: once cut short by the crash, once for good


async def test_a_batch_is_applied_in_one_transaction_and_a_repeated_event_once(harness):
    first = [harness.envelope(f"n-{n}", 1) for n in range(6)]
    for envelope in [*first, first[2]]:  # sent before the consumer starts: they come in one fetch
        await harness.send(envelope)
    await harness.start(batch_handler=harness.batch_handler, drop_stale=False)
    await eventually(lambda: _at_least(harness.outcomes("applied") + harness.outcomes("duplicate"), 7))
    assert (harness.outcomes("applied"), harness.outcomes("duplicate")) == (6, 1)
    assert max(harness.batches) > 1 and sum(harness.batches) == 6
    assert sum(harness.calls.values()) == 0  # the per-event handler was never needed
    assert sorted(r.event_id for r in await harness.inbox()) == sorted(e.id for e in first)
    for n in range(6):
        assert (await harness.projection(f"n-{n}")).applied == 1


async def test_a_failed_batch_keeps_nothing_and_its_events_are_applied_one_by_one(harness):
    good = [harness.envelope(f"n-{n}", 1) for n in range(4)]
    poison = harness.envelope("n-poison", 1, POISON)
    for envelope in [good[0], good[1], poison, good[2], good[3]]:
        await harness.send(envelope)
    await harness.start(batch_handler=harness.batch_handler, drop_stale=False)
    [letter] = await harness.dead_letters(1)
    assert headers_of(letter)["ce_id"] == poison.id
    await eventually(lambda: _at_least(harness.outcomes("applied"), 4))
    # What the failed batch wrote was rolled back: each good event was applied once, by its handler.
    for n in range(4):
        assert (await harness.projection(f"n-{n}")).applied == 1
    assert harness.calls["n-poison"] == harness.settings.consumer_max_attempts
    assert sorted(r.event_id for r in await harness.inbox()) == sorted(e.id for e in good)


async def test_records_fetched_together_are_applied_in_one_transaction_in_order(harness):
    versions = [harness.envelope("n-1", v, f"v{v}") for v in range(1, 7)]
    for envelope in [*versions[:3], versions[1], *versions[3:]]:  # one key: one partition, in this order
        await harness.send(envelope)
    await harness.start()  # started after the sends: the records come in one fetch
    await eventually(lambda: harness.applied("n-1", 6))
    assert len(set(harness.sessions)) < len(harness.sessions) == 6  # several records shared a transaction
    assert harness.order == [("n-1", v) for v in range(1, 7)]
    assert (harness.outcomes("applied"), harness.outcomes("duplicate"), harness.outcomes("stale")) == (6, 1, 0)
    assert (await harness.projection("n-1")).applied == 6
    assert sorted(r.event_id for r in await harness.inbox()) == sorted(e.id for e in versions)


async def test_a_paced_consumer_catching_up_waits_between_transactions_and_applies_each_record_once(harness):
    versions = [harness.envelope("n-1", v, f"v{v}") for v in range(1, 121)]
    for envelope in versions:  # one key: one partition, a backlog of 120 before the consumer starts
        await harness.send(envelope)
    taken: list[tuple[float, int]] = []  # when each transaction's records were let through, and how many

    class Recorded(Pace):
        async def take(self, items: int) -> None:
            await super().take(items)
            taken.append((time.monotonic(), items))

    runner = await harness.start()
    runner.pace = Recorded(100)  # before its first fetch: the task has not run yet
    await eventually(lambda: harness.applied("n-1", 120))
    # No transaction started before the records ahead of it had had their time at 100 a second.
    started, before = taken[0][0], 0
    for at, items in taken:
        assert at - started >= before / 100 - 0.01
        before += items
    assert before == 120 and len(taken) >= 3
    assert harness.order == [("n-1", v) for v in range(1, 121)]
    assert (harness.outcomes("applied"), harness.outcomes("duplicate")) == (120, 0)


async def test_a_crash_mid_batch_keeps_nothing_of_it_and_each_record_is_applied_once_after(harness):
    versions = [harness.envelope("n-1", v, "gate" if v == 4 else f"v{v}") for v in range(1, 7)]
    for envelope in versions:
        sent = await harness.send(envelope)
    partition = TopicPartition(harness.topic, sent.partition)
    harness.gate = asyncio.Event()
    await harness.start()
    await asyncio.wait_for(harness.entered.wait(), 15)  # versions 1-3 applied in the open transaction
    assert harness.order == [("n-1", 1), ("n-1", 2), ("n-1", 3), ("n-1", 4)]
    assert len(set(harness.sessions)) == 1
    await harness.crash()
    # Nothing of the batch was kept, and no offset committed.
    assert await harness.projection("n-1") is None and await harness.inbox() == []
    assert await committed_offset(harness.bootstrap_servers, harness.group, partition) in (None, -1)
    harness.gate.set()
    harness.order.clear()
    restarted = await harness.start()
    await eventually(lambda: harness.applied("n-1", 6))
    await eventually(lambda: _equals(committed_offset(harness.bootstrap_servers, harness.group, partition),
                                     sent.offset + 1), timeout=5)
    assert harness.order == [("n-1", v) for v in range(1, 7)]
    assert restarted.metrics.consumed.labels(harness.topic, "applied")._value.get() == 6
    assert (await harness.projection("n-1")).applied == 6
    assert len(await harness.inbox()) == 6


async def test_a_record_failing_mid_batch_is_dead_lettered_and_the_others_applied_once_in_order(harness):
    before = [harness.envelope(f"n-{n}", 1) for n in range(2)]
    poison = harness.envelope("n-poison", 1, POISON)
    after = [harness.envelope(f"n-{n}", 1) for n in range(2, 4)]
    key = before[0].key  # one partition: one fetch, in this order
    for envelope in [*before, poison, *after]:
        await harness.send_raw(envelope.value(), key=key, headers=envelope.headers())
    await harness.start()
    [letter] = await harness.dead_letters(1)
    assert headers_of(letter)["ce_id"] == poison.id
    await eventually(lambda: _at_least(harness.outcomes("applied"), 4))
    # The batch's attempt counts: the poisoned record was tried as often as alone, no more.
    assert harness.calls["n-poison"] == harness.settings.consumer_max_attempts
    assert [aggregate for aggregate, _ in harness.order if aggregate != "n-poison"][-4:] == [
        "n-0", "n-1", "n-2", "n-3"]
    for n in range(4):
        assert (await harness.projection(f"n-{n}")).applied == 1
    assert sorted(r.event_id for r in await harness.inbox()) == sorted(e.id for e in [*before, *after])


async def test_without_the_stale_drop_a_late_version_reaches_the_handler(harness):
    await harness.start(drop_stale=False)
    await harness.send(harness.envelope("n-1", 2, "second"))
    await harness.send(harness.envelope("n-1", 1, "first, late"))
    await eventually(lambda: harness.applied("n-1", 1))
    assert harness.calls["n-1"] == 2 and harness.outcomes("stale") == 0


def test_a_batch_handler_needs_the_stale_drop_off(harness):
    with pytest.raises(ValueError, match="drop_stale=False"):
        ConsumerRunner(group="g", subscriptions=[], database=harness.database, settings=harness.settings,
                       metrics=ServiceMetrics(), batch_handler=harness.batch_handler)


async def _at_least(value: float, minimum: float) -> bool:
    return value >= minimum


async def _equals(awaitable, expected) -> bool:
    return await awaitable == expected
