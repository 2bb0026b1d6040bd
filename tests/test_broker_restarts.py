"""The broker restarted again and again during writes: the embedded one comes back empty each time, and
still every acknowledged registration reaches the catalogue, applied exactly once; one that keeps its data
(as Apache Kafka does) is followed without publishing or reading anything again."""

from __future__ import annotations

import asyncio
import logging
import os
import time

import httpx
import pytest
from sqlalchemy import select

from events.suppliers import SUPPLIER_TOPIC
from servicekit.broker import EmbeddedBroker, free_port
from servicekit.tables import InboxRecord, OutboxRecord
from servicekit.testing import PATIENCE_SECONDS, TcpProxy, eventually
from testsupport.helpers import supplier_body
from testsupport.stack import Stack

RESTARTS = 10
# The consumers and relays must be going again this soon after the broker is back (records written
# while it was away all applied): a bound on a hang of the kind the restarts used to cause, not a speed.
# The target is to be going again within 10 s of the broker being back (docs/reliability.md has the figures);
# a test only bounds it, so a busy machine slows it down without failing it: TEST_RESUME_SECONDS.
RESUME_SECONDS = float(os.environ.get("TEST_RESUME_SECONDS", PATIENCE_SECONDS / 3))
KEPT_DATA_OUTAGES = 5
log = logging.getLogger("tests.broker_restarts")


@pytest.fixture
async def stack(own_broker, database_urls):
    running = Stack(bootstrap_servers=own_broker.bootstrap_servers, services=("suppliers", "catalogue"),
                    database_urls={name: await database_urls(name) for name in ("suppliers", "catalogue")})
    await running.start()
    yield running
    await running.stop()


class Writer:
    """Registers suppliers one after another through the gateway; keeps the ids it got a 201 for."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.acknowledged: list[str] = []
        self.refused: list[str] = []
        self.task: asyncio.Task | None = None

    async def run(self) -> None:
        while True:
            try:
                response = await self.stack.client.post("/api/v1/suppliers", json=supplier_body())
            except httpx.TransportError as exc:
                self.refused.append(repr(exc))
                continue
            if response.status_code == 201:
                self.acknowledged.append(response.json()["id"])
            else:
                self.refused.append(f"{response.status_code} {response.text[:200]}")
            await asyncio.sleep(0.02)

    async def more(self, count: int) -> None:
        """Wait until `count` more registrations were acknowledged."""
        target = len(self.acknowledged) + count

        async def written():
            assert not self.task.done(), self.task.exception()
            return len(self.acknowledged) >= target

        await eventually(written)


async def applied_subjects(stack: Stack) -> list[str]:
    """Aggregate ids of the supplier events the catalogue applied, one entry per applied event."""
    group = stack.settings_for("catalogue").consumer_group
    async with stack.servers["catalogue"].app.state.database.transaction() as session:
        return list((await session.execute(select(InboxRecord.subject).where(
            InboxRecord.consumer_group == group, InboxRecord.event_type.like("%.supplier.%")))).scalars())


def applied_count(stack: Stack) -> float:
    """Supplier events the catalogue's consumer applied (a re-apply would count twice)."""
    return stack.servers["catalogue"].app.state.metrics.consumed.labels(SUPPLIER_TOPIC.name, "applied")._value.get()


async def supplier_event_ids(stack: Stack) -> set[str]:
    async with stack.servers["suppliers"].app.state.database.transaction() as session:
        return set((await session.execute(select(OutboxRecord.event_id).where(
            OutboxRecord.topic == SUPPLIER_TOPIC.name))).scalars())


async def all_applied(stack: Stack, ids: list[str]):
    missing = set(ids) - set(await applied_subjects(stack))
    return not missing or None


@pytest.mark.runs_long
async def test_ten_broker_restarts_during_writes_lose_and_double_nothing(stack, own_broker):
    writer = Writer(stack)
    writer.task = asyncio.create_task(writer.run())
    resumed_after: list[float] = []
    try:
        await writer.more(5)
        for restart in range(RESTARTS):
            own_broker.stop()  # everything it held is gone, records not yet consumed too
            await writer.more(3)  # registrations go on while it is away
            acknowledged = list(writer.acknowledged)
            own_broker.start()
            back_at = time.monotonic()
            await eventually(lambda: all_applied(stack, acknowledged))
            resumed_after.append(time.monotonic() - back_at)
            log.info("restart %d: %d registrations applied %.1fs after the broker was back",
                     restart + 1, len(acknowledged), resumed_after[-1])
            await writer.more(3)  # and while it is back
    finally:
        writer.task.cancel()
        await asyncio.gather(writer.task, return_exceptions=True)

    assert writer.refused == []
    await eventually(lambda: all_applied(stack, writer.acknowledged))
    subjects = await applied_subjects(stack)
    assert sorted(subjects) == sorted(set(subjects)), "an event applied twice"
    assert set(subjects) >= set(writer.acknowledged)
    # Every event the suppliers service wrote was applied, once: none lost, none applied twice. The request the
    # writer was cancelled in may still have committed, unacknowledged, so its event is waited for too.
    group = stack.settings_for("catalogue").consumer_group

    async def every_event_applied():
        events = await supplier_event_ids(stack)
        async with stack.servers["catalogue"].app.state.database.transaction() as session:
            inbox = set((await session.execute(select(InboxRecord.event_id).where(
                InboxRecord.consumer_group == group, InboxRecord.event_id.in_(events)))).scalars())
        return events if inbox == events else None

    events = await eventually(every_event_applied)
    assert applied_count(stack) == len(events)
    metrics = stack.servers["catalogue"].app.state.metrics
    assert metrics.broker_data_lost.labels("consumer")._value.get() >= 1
    assert max(resumed_after) < RESUME_SECONDS, f"going again only after {resumed_after}"


@pytest.fixture
async def proxied_broker(tmp_path):
    """A broker reached only through a proxy: cut, its clients lose it as when Kafka restarts, and it
    comes back with its data."""
    proxy_port = free_port()
    running = EmbeddedBroker(log_file=tmp_path / "proxied-broker.log", advertised_port=proxy_port)
    running.start()
    proxy = TcpProxy("127.0.0.1", running.port)
    proxy.port = proxy_port
    await proxy.start()
    yield running, proxy
    await proxy.stop()
    running.stop()


async def test_a_broker_that_kept_its_data_is_followed_without_publishing_or_reading_again(proxied_broker,
                                                                                            database_urls):
    _, proxy = proxied_broker
    stack = Stack(bootstrap_servers=f"127.0.0.1:{proxy.port}", services=("suppliers", "catalogue"),
                  database_urls={name: await database_urls(name) for name in ("suppliers", "catalogue")})
    await stack.start()
    writer = Writer(stack)
    writer.task = asyncio.create_task(writer.run())
    try:
        await writer.more(5)
        for _ in range(KEPT_DATA_OUTAGES):
            await proxy.cut()
            await writer.more(3)
            acknowledged = list(writer.acknowledged)
            await proxy.restore()
            back_at = time.monotonic()
            await eventually(lambda: all_applied(stack, acknowledged))
            assert time.monotonic() - back_at < RESUME_SECONDS
        writer.task.cancel()
        await asyncio.gather(writer.task, return_exceptions=True)
        await eventually(lambda: all_applied(stack, writer.acknowledged))
        events = await supplier_event_ids(stack)
        await eventually(lambda: _equals(lambda: applied_count(stack), len(events)))
        for name in ("suppliers", "catalogue"):
            metrics = stack.servers[name].app.state.metrics
            assert metrics.outbox_republished._value.get() == 0
            assert metrics.broker_data_lost.labels("relay")._value.get() == 0
        catalogue = stack.servers["catalogue"].app.state.metrics
        assert catalogue.broker_data_lost.labels("consumer")._value.get() == 0
        # Nothing read again from the start: a duplicate now and then from an uncommitted batch at most.
        assert catalogue.consumed.labels(SUPPLIER_TOPIC.name, "duplicate")._value.get() < len(events) / 2
    finally:
        writer.task.cancel()
        await asyncio.gather(writer.task, return_exceptions=True)
        await stack.stop()


async def _equals(value, expected) -> bool:
    return value() == expected
