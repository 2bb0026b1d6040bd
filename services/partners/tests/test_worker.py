"""The delivery worker on its own database: two replicas deliver each event exactly once and in order, a
crash mid-delivery loses nothing, Retry-After is honoured, a sink that keeps failing is disabled, and a
slow sink holds up nobody else."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

import partners
from events import Envelope
from events.catalogue import OfferingPublished
from partners import flows
from partners.delivery.models import Delivery
from partners.delivery.worker import DeliveryWorker
from partners.metrics import PartnerMetrics
from partners.settings import PartnersSettings
from partners.subscription import service as subscriptions
from partners.subscription.models import Subscription, SubscriptionCreate
from partners.secrets import SecretBox
from servicekit.db import Database
from servicekit.identity import Identity
from servicekit.migrations import upgrade_to_head
from servicekit.tables import OutboxRecord
from servicekit.telemetry import ServiceMetrics
from servicekit.testing import eventually
from services.partners.tests.receiver import Receiver

PARTNER = Identity("partner", frozenset({"partner"}))
TYPE = OfferingPublished.TYPE


def settings(url: str, **overrides) -> PartnersSettings:
    return PartnersSettings(environment="development", database_url=url, retry_scale=0.001, retry_jitter=0.1,
                            worker_poll_seconds=0.1, **overrides)


@pytest.fixture
async def url(database_urls):
    url = await database_urls("partners")
    database = Database(url)
    await upgrade_to_head(database, Path(partners.__file__).parent / "migrations")
    await database.dispose()
    return url


@pytest.fixture
async def receivers():
    started: list[Receiver] = []

    async def make() -> Receiver:
        started.append(await Receiver().start())
        return started[-1]

    yield make
    for receiver in started:
        await receiver.stop()


class Replica:
    """One running worker with a database connection of its own, as a replica of the service has."""

    def __init__(self, url: str, **overrides):
        self.settings = settings(url, **overrides)
        self.database = Database(url)
        self.worker = DeliveryWorker(self.database, self.settings, PartnerMetrics(ServiceMetrics()),
                                     SecretBox(self.settings.secret_key))
        self.task: asyncio.Task | None = None

    def start(self) -> "Replica":
        self.task = asyncio.create_task(self.worker.run())
        return self

    async def crash(self) -> None:
        """Stop at once, leaving whatever it held leased."""
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)

    async def stop(self) -> None:
        await self.crash()
        await self.database.dispose()


async def subscribe(database: Database, sink: str, **fields) -> tuple[Subscription, str]:
    async with database.transaction() as session:
        return await subscriptions.create(session, subscription_in=SubscriptionCreate(sink=sink, types=["offering.*"],
                                                                                      **fields),
                                          actor=PARTNER, now=datetime.now(timezone.utc),
                                          settings=settings(database.url), box=SecretBox(settings(database.url).secret_key))


async def publish(database: Database, subject: str, version: int, at: datetime | None = None) -> None:
    """An offering event as the consumer would store it, as happened `at` (now by default)."""
    now = at or datetime.now(timezone.utc)
    data = {"aggregate_id": subject, "version": version, "occurred_at": now.isoformat(),
            "offering": {"id": subject, "status": "published", "name": f"v{version}"}}
    envelope = Envelope(type=TYPE, source="/services/catalogue", subject=subject, data=data, time=now)
    async with database.transaction() as session:
        await flows.store_handler(_Clock())(session, OfferingPublished.model_construct(), envelope)


class _Clock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


def webhook_ids(receiver: Receiver) -> list[str]:
    return [r.headers["webhook-id"] for r in receiver.delivered()]


async def test_two_replicas_deliver_each_event_once_and_in_order_per_subject(url, receivers):
    sinks = [await receivers(), await receivers()]
    for sink in sinks:  # some attempts fail: a retried event must still arrive before the later ones of its subject
        sink.answers.extend([200, 503, 200, 200] * 15)
    database = Database(url)
    secrets = [(await subscribe(database, sink.url, rate_limit=1000))[1] for sink in sinks]
    replicas = [Replica(url).start(), Replica(url).start()]
    subjects = [str(uuid.uuid4()) for _ in range(10)]
    try:
        for version in range(1, 7):
            for subject in subjects:
                await publish(database, subject, version)
        for sink in sinks:
            await eventually(lambda sink=sink: _now(len(sink.delivered()) >= 60), interval=0.1)
        await asyncio.sleep(0.5)  # time for a duplicate to show up, were there one
    finally:
        for replica in replicas:
            await replica.stop()
    for sink, secret in zip(sinks, secrets):
        ids = webhook_ids(sink)
        assert len(ids) == 60 and len(set(ids)) == 60
        for subject in subjects:
            versions = [r.verified_by(secret)["data"]["version"] for r in sink.delivered(subject=subject)]
            assert versions == list(range(1, 7))
    # Both replicas took part.
    assert all(replica.worker.metrics.attempts.labels("delivered")._value.get() > 0 for replica in replicas)
    await database.dispose()


async def test_a_crash_mid_delivery_loses_nothing_and_keeps_the_webhook_id(url, receivers):
    sink = await receivers()
    sink.delay_seconds = 5  # the first replica dies while it waits for the answer
    database = Database(url)
    await subscribe(database, sink.url)
    first = Replica(url, lease_seconds=1.2, attempt_timeout_seconds=1.0).start()
    subject = str(uuid.uuid4())
    await publish(database, subject, 1)
    await eventually(lambda: _now(sink.requests), interval=0.05)
    await first.crash()
    sink.delay_seconds = 0
    second = Replica(url, lease_seconds=1.2, attempt_timeout_seconds=1.0).start()

    async def delivered():
        async with database.transaction() as session:
            (delivery,) = (await session.execute(select(Delivery))).scalars()
        return delivery.status == "delivered" and delivery

    try:
        delivery = await eventually(delivered, interval=0.1)
    finally:
        await second.stop()
        await first.database.dispose()
    assert len({r.headers["webhook-id"] for r in sink.requests}) == 1 and len(sink.requests) == 2
    assert delivery.attempts == 1  # the crashed attempt left no record: its answer was never seen
    await database.dispose()


async def test_retry_after_is_honoured(url, receivers):
    sink = await receivers()
    sink.answers.append(429)
    sink.headers_with[429] = {"Retry-After": "1"}
    database = Database(url)
    await subscribe(database, sink.url)
    replica = Replica(url).start()
    try:
        await publish(database, str(uuid.uuid4()), 1)
        await eventually(lambda: _now(sink.delivered()), interval=0.05)
    finally:
        await replica.stop()
    assert [r.answered for r in sink.requests] == [429, 200]
    assert sink.requests[1].at - sink.requests[0].at >= 0.95
    await database.dispose()


async def test_a_sink_failing_for_too_long_is_disabled_with_the_reason_and_an_event(url, receivers):
    sink = await receivers()
    sink.answers.extend([500] * 100)
    database = Database(url)
    subscription, _ = await subscribe(database, sink.url)
    replica = Replica(url, disable_after_failing_seconds=0.5).start()

    async def disabled():
        async with database.transaction() as session:
            found = await session.get(Subscription, subscription.id)
            return found.status == "disabled" and found

    try:
        await publish(database, str(uuid.uuid4()), 1)
        found = await eventually(disabled, interval=0.1)
    finally:
        await replica.stop()
    assert found.disabled_reason.startswith("every delivery failed since")
    async with database.transaction() as session:
        types = list((await session.execute(select(OutboxRecord.event_type))).scalars())
    assert "nz.govt.marketplace.subscription.disabled.v1" in types
    await database.dispose()


async def test_a_slow_sink_delays_no_other(url, receivers):
    slow, fast = await receivers(), await receivers()
    slow.delay_seconds = 3
    database = Database(url)
    await subscribe(database, slow.url, ordering="none")
    await subscribe(database, fast.url, ordering="none")
    replica = Replica(url, delivery_per_subscription=2).start()
    try:
        for version in range(1, 6):
            await publish(database, str(uuid.uuid4()), version)
        started = asyncio.get_running_loop().time()
        await eventually(lambda: _now(len(fast.delivered()) == 5), interval=0.05)
        assert asyncio.get_running_loop().time() - started < 2.5
    finally:
        await replica.stop()
    await database.dispose()


async def _now(value):
    return value


async def test_a_subscription_takes_what_happened_from_its_creation_on(url, receivers):
    # However late the consumer hears of an older event (catching up, a log read again), it is not queued
    # for a subscription made after it happened; `recover` is how a partner asks for the past.
    database = Database(url)
    try:
        subscription, _ = await subscribe(database, (await receivers()).url)
        before, after = str(uuid.uuid4()), str(uuid.uuid4())
        await publish(database, before, 1, at=subscription.created_at - timedelta(minutes=1))
        await publish(database, after, 1)
        async with database.transaction() as session:
            queued = (await session.execute(select(Delivery.subject))).scalars().all()
        assert queued == [after]
    finally:
        await database.dispose()
