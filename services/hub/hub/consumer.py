"""The hub's consumer: the toolkit runner, applying a batch of records in one transaction and without
the toolkit's stale-version drop.

The hub follows every public topic, so it must keep up with all of them: a batch of one partition's
records is applied in one transaction (one commit instead of one per record). If anything in the
batch fails, the batch is rolled back and applied again one record at a time by the toolkit's own
path, which retries and dead-letters a record that keeps failing.

The registry keeps each source's version itself (`hub_sources`) and ignores what is at or below it,
but it still looks at a late event for one thing: the earliest time the source was seen live, which
is what makes a shuffled stream give the same registry as an ordered one. The inbox still makes a
redelivered event a no-op.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

from aiokafka import ConsumerRecord
from opentelemetry import trace
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events import Envelope, Event
from servicekit.consumer import ConsumerRunner, Subscription, Unprocessable
from servicekit.tables import InboxRecord
from servicekit.telemetry import context_from_traceparent

log = logging.getLogger("hub.consumer")
tracer = trace.get_tracer("hub.consumer")
BATCH_RECORDS = 500
BatchHandler = Callable[[AsyncSession, list[Event]], Awaitable[None]]


class RegistryConsumer(ConsumerRunner):
    def __init__(self, *, batch_handler: BatchHandler, **options):
        super().__init__(**options)
        self.batch_handler = batch_handler

    async def _consume(self) -> None:
        watch = asyncio.create_task(self._watch_broker()) if self.settings.kafka_broker_is_ephemeral else None
        try:
            while True:
                batches = await self._consumer.getmany(timeout_ms=1000, max_records=BATCH_RECORDS)
                for partition, records in batches.items():
                    self._check_broker_stayed()
                    await self._process_batch(records)
                    self._check_broker_stayed()
                    await self._consumer.commit({partition: records[-1].offset + 1})
                self._check_broker_stayed()
                await self._record_lag()
        finally:
            if watch:
                watch.cancel()

    async def _process_batch(self, records: list[ConsumerRecord]) -> None:
        """Apply the records in one transaction, or else one at a time (with retries and dead letters)."""
        try:
            decoded = [self._decode(record) for record in records]
            with tracer.start_as_current_span(f"consume batch of {len(records)}", kind=trace.SpanKind.CONSUMER):
                async with self.database.transaction() as session:
                    outcomes = await self._apply_batch(session, decoded)
        except Unprocessable:
            outcomes = None
        except Exception as exc:
            log.warning("batch of %d records failed (%s); applying them one at a time", len(records), exc)
            outcomes = None
        if outcomes is None:
            for record in records:
                await self.process(record)
            return
        for record, outcome in zip(records, outcomes):
            self.metrics.consumed.labels(record.topic, outcome).inc()

    async def _apply_batch(self, session: AsyncSession,
                           decoded: list[tuple[Envelope, Event, Subscription]]) -> list[str]:
        """Inbox check and record for the whole batch in one query each, then the batch handler."""
        ids = [envelope.id for envelope, _, _ in decoded]
        seen = set((await session.execute(select(InboxRecord.event_id).where(
            InboxRecord.consumer_group == self.group, InboxRecord.event_id.in_(ids)))).scalars())
        outcomes, fresh = [], []
        for envelope, event, _ in decoded:
            if envelope.id in seen:
                outcomes.append("duplicate")
                continue
            seen.add(envelope.id)
            session.add(InboxRecord(consumer_group=self.group, event_id=envelope.id, event_type=envelope.type,
                                    subject=envelope.subject, received_at=datetime.now(timezone.utc)))
            fresh.append(event)
            outcomes.append("applied")
        if fresh:
            await self.batch_handler(session, fresh)
        return outcomes

    async def _apply(self, envelope: Envelope, event: Event, subscription: Subscription) -> str:
        """One record in its own transaction (the fallback path)."""
        context = context_from_traceparent(envelope.traceparent)
        with tracer.start_as_current_span(f"consume {envelope.type}", context=context,
                                          kind=trace.SpanKind.CONSUMER) as span:
            span.set_attribute("messaging.destination.name", event.TOPIC)
            span.set_attribute("messaging.message.id", envelope.id)
            async with self.database.transaction() as session:
                return await self._apply_in(session, envelope, event, subscription)

    async def _apply_in(self, session: AsyncSession, envelope: Envelope, event: Event,
                        subscription: Subscription) -> str:
        if await session.get(InboxRecord, (self.group, envelope.id)):
            return "duplicate"
        session.add(InboxRecord(consumer_group=self.group, event_id=envelope.id, event_type=envelope.type,
                                subject=envelope.subject, received_at=datetime.now(timezone.utc)))
        await subscription.handler(session, event)
        return "applied"
