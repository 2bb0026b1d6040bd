"""Transactional outbox: events are rows written with the change, then relayed to Kafka.

`emit` adds the row in the caller's transaction, so an event exists exactly when its change does.
The relay publishes pending rows in id order shortly after the commit wakes it (a slow poll is
only the fallback), retries with backoff while the broker is down and marks rows published only
after the broker acknowledged them. A crash between publish and mark re-sends a row; consumers
deduplicate by event id.

Published rows stay in the table. When the broker comes back without its data (the embedded broker
always does; servicekit.incarnation tells), the rows the lost broker may still have held for a
consumer are marked pending again and published anew, in id order.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime, timedelta, timezone

import orjson
from opentelemetry import trace
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from events import Envelope, Event, source_for
from servicekit.bus import Backoff, BrokerUnavailable, create_producer
from servicekit.db import Database, database_unavailable, wake_on_commit
from servicekit.incarnation import BrokerIncarnation, cluster_id
from servicekit.settings import ServiceSettings
from servicekit.tables import OutboxRecord
from servicekit.telemetry import ServiceMetrics, context_from_traceparent, current_traceparent, messaging_attributes

log = logging.getLogger("servicekit.outbox")
tracer = trace.get_tracer("servicekit.outbox")
OUTBOX_SIGNAL = "outbox_signal"


def emit(session: AsyncSession, event: Event) -> OutboxRecord:
    """Queue `event` for publication as part of the session's transaction."""
    row = OutboxRecord(
        event_id=str(uuid.uuid4()),
        topic=event.TOPIC,
        event_type=event.TYPE,
        subject=event.aggregate_id,
        payload=event.model_dump_json(),
        traceparent=current_traceparent(),
        occurred_at=event.occurred_at,
    )
    session.add(row)
    wake_on_commit(session, OUTBOX_SIGNAL)  # the relay publishes it as soon as it is committed
    return row


def envelope_of(row: OutboxRecord, service: str, *, traceparent: str | None = None) -> Envelope:
    """The CloudEvent a stored outbox row becomes on the wire."""
    occurred = row.occurred_at if row.occurred_at.tzinfo else row.occurred_at.replace(tzinfo=timezone.utc)
    return Envelope(
        id=row.event_id, type=row.event_type, source=source_for(service), subject=row.subject,
        data=orjson.loads(row.payload), time=occurred, traceparent=traceparent or row.traceparent,
    )


class OutboxRelay:
    """Publishes a service's outbox rows to Kafka, in order, without dropping any."""

    def __init__(self, database: Database, settings: ServiceSettings, metrics: ServiceMetrics):
        self.database = database
        self.settings = settings
        self.metrics = metrics
        self.signal = database.signal(OUTBOX_SIGNAL)
        self.incarnation = BrokerIncarnation(window=timedelta(seconds=settings.relay_republish_window_seconds))
        self._producer = None
        self._lost_since: datetime | None = None  # set when an acknowledgement showed a log that started again

    async def run(self) -> None:
        """Relay until cancelled."""
        backoff = Backoff()
        while True:
            try:
                published = await self.publish_pending()
                backoff.reset()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.metrics.outbox_failures.inc()
                if database_unavailable(exc):  # the broker is fine: keep the producer for when the database is back
                    log.warning("outbox relay waits for the database: %s", exc)
                    self.metrics.database_unavailable.labels("relay").inc()
                else:
                    log.warning("outbox relay cannot publish yet: %s", exc)
                    await self._drop_producer()
                await backoff.wait()
                continue
            if published < self.settings.relay_batch_size:
                await self._wait_for_work()

    async def _wait_for_work(self) -> None:
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation that arrives
        # just as the signal is set, and the relay then outlives the app's shutdown.
        try:
            async with asyncio.timeout(self.settings.relay_poll_seconds):
                await self.signal.wait()
        except TimeoutError:
            pass
        self.signal.clear()

    async def publish_pending(self) -> int:
        """Publish one batch of pending rows; returns how many were published."""
        async with self.database.transaction() as session:
            if not await self._hold_relay_lock(session):
                return 0
            await self._requeue_if_broker_lost_data(session)
            rows = (await session.execute(
                select(OutboxRecord).where(OutboxRecord.published_at.is_(None))
                .order_by(OutboxRecord.id).limit(self.settings.relay_batch_size)
            )).scalars().all()
            # Set before sending: when the broker cannot be reached the send raises, and the gauge
            # must still show the rows waiting rather than the last value from before the outage.
            self.metrics.outbox_backlog.set(len(rows))
            done = await self._send_in_order(rows) if rows else 0
            await self._mark(session, rows, done)
            if self._lost_since is not None:  # these rows went to the new broker: only the older ones are lost
                await self._requeue(session, self._lost_since, "acknowledgement")
            if len(rows) < self.settings.relay_batch_size:
                backlog = len(rows) - done
            else:  # only a full batch can leave more behind it; count then, not on every wake-up
                backlog = await session.scalar(select(func.count()).where(OutboxRecord.published_at.is_(None)))
            self.metrics.outbox_backlog.set(backlog or 0)
        if done < len(rows):
            raise BrokerUnavailable(f"outbox row {rows[done].id} was not acknowledged by the broker")
        return done

    async def _requeue_if_broker_lost_data(self, session: AsyncSession) -> None:
        """Mark pending again the rows a broker that lost its data had held; asked on every pass, so
        that rows nobody had consumed come back even when nothing new is written."""
        try:
            producer = await self._started_producer()
            current = await cluster_id(producer.client)
        except Exception as exc:  # an absent broker: the send says so when there is something to send
            log.debug("outbox relay could not ask the broker for its cluster id: %s", exc)
            return
        since = self.incarnation.observe_cluster(current, datetime.now(timezone.utc))
        if since is not None:
            await self._requeue(session, since, "cluster id")

    async def _requeue(self, session: AsyncSession, since: datetime, sign: str) -> None:
        self._lost_since = None
        result = await session.execute(update(OutboxRecord).where(OutboxRecord.published_at >= since)
                                       .values(published_at=None))
        self.metrics.broker_data_lost.labels("relay").inc()
        self.metrics.outbox_republished.inc(result.rowcount or 0)
        log.warning("the broker lost its data (%s changed): %d rows published since %s will be published again",
                    sign, result.rowcount or 0, since.isoformat())

    async def _hold_relay_lock(self, session: AsyncSession) -> bool:
        # With several replicas on PostgreSQL only one relays at a time, which keeps id order.
        if self.database.is_sqlite:
            return True
        return bool(await session.scalar(text("SELECT pg_try_advisory_xact_lock(hashtext('outbox-relay'))")))

    async def _send_in_order(self, rows: list[OutboxRecord]) -> int:
        """Send rows in id order; returns how many leading rows the broker acknowledged."""
        producer = await self._started_producer()
        if self.settings.kafka_broker_is_ephemeral and not await producer.client.force_metadata_update():
            raise BrokerUnavailable("the broker did not answer a metadata request")
        futures = []
        for row in rows:
            # The publish span continues the trace of the request that wrote the row; consumers
            # continue from the publish span through the record's traceparent header.
            with tracer.start_as_current_span(f"send {row.topic}", kind=trace.SpanKind.PRODUCER,
                                              context=context_from_traceparent(row.traceparent)) as span:
                envelope = envelope_of(row, self.settings.service_name, traceparent=current_traceparent())
                value = envelope.value()
                if span.is_recording():
                    span.set_attributes(messaging_attributes("send", row.topic, message_id=row.event_id,
                                                             key=envelope.key, body_size=len(value)))
                futures.append(await producer.send(row.topic, value, key=envelope.key, headers=envelope.headers()))
        acknowledged = 0
        for future in futures:
            try:
                metadata = await future
            except Exception as exc:
                # Kafka writes one partition's batch whole or not at all, so the rows after the
                # first failure are retried from here; none is marked done out of order.
                log.warning("publish failed after %d rows: %s", acknowledged, exc)
                self.metrics.outbox_failures.inc()
                await asyncio.gather(*futures[acknowledged + 1:], return_exceptions=True)
                break
            acknowledged += 1
            self.metrics.sent_messages.labels("kafka", "send", metadata.topic).inc()
            since = self.incarnation.observe_offset(metadata.topic, metadata.partition, metadata.offset,
                                                    datetime.now(timezone.utc))
            if since is not None:
                self._lost_since = since if self._lost_since is None else min(since, self._lost_since)
        return acknowledged

    async def _mark(self, session: AsyncSession, rows: list[OutboxRecord], done: int) -> None:
        now = datetime.now(timezone.utc)
        if done:
            await session.execute(update(OutboxRecord).where(OutboxRecord.id.in_([r.id for r in rows[:done]]))
                                  .values(published_at=now))
        if done < len(rows):
            failed = rows[done]
            await session.execute(update(OutboxRecord).where(OutboxRecord.id == failed.id)
                                  .values(attempts=OutboxRecord.attempts + 1, last_error="broker did not acknowledge"))

    async def _started_producer(self):
        if self._producer is None:
            producer = create_producer(self.settings)
            try:
                await producer.start()
            except BaseException:  # cancellation too: a half-started producer must not leak
                await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _drop_producer(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            try:
                await asyncio.wait_for(producer.stop(), 5)
            except Exception:
                pass

    async def stop(self) -> None:
        await self._drop_producer()
