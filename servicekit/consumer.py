"""Consumer runner: applies events to a service's own tables, once each, in order.

Per record: parse the CloudEvent, find the handler registered for its type, and in one database
transaction check the inbox (already applied?) and the aggregate's last seen version (stale?),
run the handler and record both. Offsets are committed only after that transaction committed.
A record that cannot be parsed, has no handler or keeps failing goes to `<topic>.<group>.dlt`
with the error and its origin in headers, and the consumer carries on with the next one. While the
database cannot be reached the consumer waits on the record it holds, with backoff, and goes on
when the database is back: an outage is nobody's dead letter.

Two options for a consumer that must keep up with many topics and keeps versions itself:
`drop_stale=False` leaves the version check to the handlers, and a `batch_handler` applies a
partition's batch of records in one transaction (one inbox query, one commit). If the batch fails,
nothing of it is kept and its records are applied again one at a time, with the retries and dead
letters above.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from aiokafka import ConsumerRecord, TopicPartition
from opentelemetry import trace
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events import Envelope, Event, MalformedEvent, dead_letter_topic
from servicekit.bus import Backoff, BrokerUnavailable, broker_reachable, create_consumer, create_producer
from servicekit.db import Database, database_unavailable
from servicekit.settings import ServiceSettings
from servicekit.tables import InboxRecord, SeenVersion
from servicekit.telemetry import ServiceMetrics, context_from_traceparent

log = logging.getLogger("servicekit.consumer")
tracer = trace.get_tracer("servicekit.consumer")
Handler = Callable[[AsyncSession, Event], Awaitable[None]]
EnvelopeHandler = Callable[[AsyncSession, Event, Envelope], Awaitable[None]]
BatchHandler = Callable[[AsyncSession, list[Event]], Awaitable[None]]
# Records fetched at a time: a batch handler takes a partition's share of them in one transaction.
FETCH_RECORDS, BATCH_FETCH_RECORDS = 200, 500


@dataclass(frozen=True)
class Subscription:
    """One event type and the handler that applies it; with `envelope`, the handler is also given the
    record's CloudEvent envelope (its id, source and time), as `handler(session, event, envelope)`."""

    event: type[Event]
    handler: Handler | EnvelopeHandler
    envelope: bool = False


def on(*events: type[Event], handler: Handler | EnvelopeHandler, envelope: bool = False) -> list[Subscription]:
    """Subscribe one handler to several event types."""
    return [Subscription(event, handler, envelope) for event in events]


class Unprocessable(Exception):
    """A record that retrying will never fix."""


class ConsumerRunner:
    """Runs one consumer group over the topics of its subscriptions."""

    def __init__(self, *, group: str, subscriptions: list[Subscription], database: Database,
                 settings: ServiceSettings, metrics: ServiceMetrics, drop_stale: bool = True,
                 batch_handler: BatchHandler | None = None):
        if batch_handler and drop_stale:
            raise ValueError("a batch handler keeps versions itself: pass drop_stale=False")
        self.group = group
        self.drop_stale = drop_stale
        self.batch_handler = batch_handler
        self.by_type = {s.event.TYPE: s for s in subscriptions}
        self.topics = sorted({s.event.TOPIC for s in subscriptions})
        self.database = database
        self.settings = settings
        self.metrics = metrics
        self._consumer = None
        self._producer = None
        self._broker_went_away = False

    async def run(self) -> None:
        """Consume until cancelled, reconnecting with backoff while the broker is away."""
        backoff = Backoff()
        while True:
            try:
                await self._connect()
                backoff.reset()
                await self._consume()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("consumer %s lost the broker: %s", self.group, exc)
                await self.stop()
                await backoff.wait()

    async def _connect(self) -> None:
        consumer = create_consumer(self.settings, self.group, self.topics)
        producer = create_producer(self.settings)
        try:
            await consumer.start()
            await producer.start()
        except BaseException:  # cancellation too: a half-started client must not leak
            await asyncio.gather(consumer.stop(), producer.stop(), return_exceptions=True)
            raise
        self._consumer, self._producer = consumer, producer
        self._broker_went_away = False

    async def _consume(self) -> None:
        watch = asyncio.create_task(self._watch_broker()) if self.settings.kafka_broker_is_ephemeral else None
        try:
            while True:
                batches = await self._consumer.getmany(
                    timeout_ms=1000, max_records=BATCH_FETCH_RECORDS if self.batch_handler else FETCH_RECORDS)
                for partition, records in batches.items():
                    self._check_broker_stayed()
                    if not (self.batch_handler and await self._applied_as_batch(records)):
                        for record in records:
                            await self.process(record)
                    self._check_broker_stayed()
                    await self._consumer.commit({partition: records[-1].offset + 1})
                self._check_broker_stayed()
                await self._record_lag()
        finally:
            if watch:
                watch.cancel()

    async def _watch_broker(self) -> None:
        # An ephemeral broker comes back empty: positions and offsets this consumer holds would skip
        # the new broker's first records, so once the broker has been away the consumer starts afresh.
        while await broker_reachable(self.settings, timeout=0.5):
            await asyncio.sleep(0.25)
        self._broker_went_away = True

    def _check_broker_stayed(self) -> None:
        if self._broker_went_away:
            raise BrokerUnavailable("the broker went away; starting again from the offsets it holds now")

    async def process(self, record: ConsumerRecord) -> None:
        """Apply one record, or park it in the dead-letter topic."""
        try:
            envelope, event, subscription = self._decode(record)
        except Unprocessable as exc:
            await self._dead_letter(record, str(exc))
            return
        error, attempt, outage = None, 0, Backoff()
        while attempt < self.settings.consumer_max_attempts:
            try:
                outcome = await self._apply(envelope, event, subscription)
                self.metrics.consumed.labels(record.topic, outcome).inc()
                return
            except Exception as exc:
                if database_unavailable(exc):
                    # Not the record's fault: the consumer pauses on it (offsets stay where they are)
                    # until the database is back, and the record does not count towards its dead letter.
                    log.warning("database unavailable; consumer %s waits to apply %s: %s", self.group,
                                envelope.type, exc)
                    self.metrics.database_unavailable.labels("consumer").inc()
                    await outage.wait()
                    continue
                error, attempt = exc, attempt + 1
                log.warning("handler for %s failed (attempt %d): %s", envelope.type, attempt, exc)
                await asyncio.sleep(self.settings.consumer_retry_backoff_seconds * 2**(attempt - 1))
        await self._dead_letter(record, f"{type(error).__name__}: {error}")

    def _decode(self, record: ConsumerRecord) -> tuple[Envelope, Event, Subscription]:
        try:
            envelope = Envelope.from_record(record.headers, record.value)
        except MalformedEvent as exc:
            raise Unprocessable(f"malformed record: {exc}") from exc
        subscription = self.by_type.get(envelope.type)
        if subscription is None:
            raise Unprocessable(f"no handler for event type {envelope.type!r}")
        try:
            event = subscription.event.model_validate(envelope.data)
        except ValidationError as exc:
            raise Unprocessable(f"data does not match {envelope.type}: {exc.errors(include_url=False)}") from exc
        return envelope, event, subscription

    async def _apply(self, envelope: Envelope, event: Event, subscription: Subscription) -> str:
        """Run the handler in one transaction with the inbox and version checks; returns the outcome."""
        context = context_from_traceparent(envelope.traceparent)
        with tracer.start_as_current_span(f"consume {envelope.type}", context=context,
                                          kind=trace.SpanKind.CONSUMER) as span:
            span.set_attribute("messaging.destination.name", event.TOPIC)
            span.set_attribute("messaging.message.id", envelope.id)
            async with self.database.transaction() as session:
                if await session.get(InboxRecord, (self.group, envelope.id)):
                    return "duplicate"
                session.add(self._inbox_record(envelope))
                if self.drop_stale and await self._stale(session, event):
                    return "stale"
                if subscription.envelope:
                    await subscription.handler(session, event, envelope)
                else:
                    await subscription.handler(session, event)
                return "applied"

    def _inbox_record(self, envelope: Envelope) -> InboxRecord:
        return InboxRecord(consumer_group=self.group, event_id=envelope.id, event_type=envelope.type,
                           subject=envelope.subject, received_at=datetime.now(timezone.utc))

    async def _stale(self, session: AsyncSession, event: Event) -> bool:
        """Whether the aggregate's version was already seen; records this one when not."""
        seen = await session.get(SeenVersion, (self.group, event.TOPIC, event.aggregate_id))
        if seen and event.version <= seen.version:
            return True
        if seen:
            seen.version = event.version
        else:
            session.add(SeenVersion(consumer_group=self.group, topic=event.TOPIC, aggregate_id=event.aggregate_id,
                                    version=event.version))
        return False

    async def _applied_as_batch(self, records: list[ConsumerRecord]) -> bool:
        """Apply a partition's records in one transaction with the batch handler; False when that failed
        (and nothing of it was kept)."""
        try:
            decoded = [self._decode(record) for record in records]
            with tracer.start_as_current_span(f"consume batch of {len(records)}", kind=trace.SpanKind.CONSUMER):
                async with self.database.transaction() as session:
                    outcomes = await self._apply_batch(session, [envelope for envelope, _, _ in decoded],
                                                       [event for _, event, _ in decoded])
        except Unprocessable:
            return False
        except Exception as exc:
            log.warning("batch of %d records failed (%s); applying them one at a time", len(records), exc)
            return False
        for record, outcome in zip(records, outcomes):
            self.metrics.consumed.labels(record.topic, outcome).inc()
        return True

    async def _apply_batch(self, session: AsyncSession, envelopes: list[Envelope], events: list[Event]) -> list[str]:
        """Inbox check and record for the whole batch in one query each, then the batch handler."""
        seen = set((await session.execute(select(InboxRecord.event_id).where(
            InboxRecord.consumer_group == self.group,
            InboxRecord.event_id.in_([envelope.id for envelope in envelopes])))).scalars())
        outcomes, fresh = [], []
        for envelope, event in zip(envelopes, events):
            if envelope.id in seen:
                outcomes.append("duplicate")
                continue
            seen.add(envelope.id)
            session.add(self._inbox_record(envelope))
            fresh.append(event)
            outcomes.append("applied")
        if fresh:
            await self.batch_handler(session, fresh)
        return outcomes

    async def _dead_letter(self, record: ConsumerRecord, error: str) -> None:
        topic = dead_letter_topic(record.topic, self.group)
        headers = [*(record.headers or ()),
                   ("dlt_error", error[:2000].encode()),
                   ("dlt_origin_topic", record.topic.encode()),
                   ("dlt_origin_partition", str(record.partition).encode()),
                   ("dlt_origin_offset", str(record.offset).encode()),
                   ("dlt_failed_at", datetime.now(timezone.utc).isoformat().encode())]
        await self._producer.send_and_wait(topic, record.value, key=record.key, headers=headers)
        self.metrics.dead_letters.labels(record.topic).inc()
        self.metrics.consumed.labels(record.topic, "dead_lettered").inc()
        log.error("record %s/%d@%d sent to %s: %s", record.topic, record.partition, record.offset, topic, error)

    async def _record_lag(self) -> None:
        for partition in self._consumer.assignment():
            highwater = self._consumer.highwater(partition)
            if highwater is not None:
                position = await self._consumer.position(partition)
                self.metrics.consumer_lag.labels(partition.topic, str(partition.partition)).set(max(highwater - position, 0))

    async def stop(self) -> None:
        consumer, producer, self._consumer, self._producer = self._consumer, self._producer, None, None
        for client in (consumer, producer):
            if client is not None:
                try:
                    await asyncio.wait_for(client.stop(), 5)
                except Exception:
                    pass
