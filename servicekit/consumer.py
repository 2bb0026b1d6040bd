"""Consumer runner: applies events to a service's own tables, once each, in order.

Per record: parse the CloudEvent, find the handler registered for its type, and in one database
transaction check the inbox (already applied?) and the aggregate's last seen version (stale?),
run the handler and record both. Offsets are committed only after that transaction committed.
A record that cannot be parsed, has no handler or keeps failing goes to `<topic>.<group>.dlt`
with the error and its origin in headers, and the consumer carries on with the next one. While the
database cannot be reached the consumer waits on the record it holds, with backoff, and goes on
when the database is back: an outage is nobody's dead letter.

Under load the records a fetch brings for one partition are applied together, up to
`TRANSACTION_RECORDS` in one transaction: one inbox query, each record's version check and handler
in turn, one commit. The guarantees are those of one record at a time: offsets are committed only
after the transaction, so a crash mid-batch keeps nothing of it and the records come again, and the
inbox, written in the same transaction, makes each apply once. If any record of the batch fails, the
transaction keeps nothing and the batch is applied again one record at a time (the failed record's
attempt counts), with the retries and dead letters above.

Two options for a consumer that must keep up with many topics and keeps versions itself:
`drop_stale=False` leaves the version check to the handlers, and a `batch_handler` applies a
partition's batch of records in one transaction (one inbox query, one commit). If the batch fails,
nothing of it is kept and its records are applied again one at a time, with the retries and dead
letters above.

A watch beside the consumer asks the broker for its cluster id: when the broker came back without
its data (servicekit.incarnation), the consumer reads the new log from its start, and offsets are
only ever committed to the broker the records came from. The watch also restarts a consumer that is
stuck (records to read, none applied for `consumer_stuck_seconds`); /readyz reports it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from aiokafka import ConsumerRebalanceListener, ConsumerRecord
from aiokafka.errors import CommitFailedError
from opentelemetry import trace
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events import TOPICS, Envelope, Event, MalformedEvent, dead_letter_topic, producer_source
from servicekit.bus import Backoff, Pace, create_consumer, create_producer, header_of
from servicekit.db import Database, database_unavailable
from servicekit.incarnation import BrokerIncarnation, cluster_id, position_beyond_end
from servicekit.settings import ServiceSettings
from servicekit.tables import InboxRecord, SeenVersion
from servicekit.telemetry import ServiceMetrics, context_from_traceparent, messaging_attributes

log = logging.getLogger("servicekit.consumer")
tracer = trace.get_tracer("servicekit.consumer")
Handler = Callable[[AsyncSession, Event], Awaitable[None]]
EnvelopeHandler = Callable[[AsyncSession, Event, Envelope], Awaitable[None]]
BatchHandler = Callable[[AsyncSession, list[Event]], Awaitable[None]]
# Records fetched at a time: a batch handler takes a partition's share of them in one transaction.
FETCH_RECORDS, BATCH_FETCH_RECORDS = 200, 500
# Records of one partition applied in one transaction: enough to pay the commit once for many, few
# enough that the transaction does not hold SQLite's write lock long against the service's requests.
TRANSACTION_RECORDS = 50
# How often the watch asks the broker for its cluster id and looks at the consumer's progress.
WATCH_SECONDS = 0.5


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


def record_id(record: ConsumerRecord) -> str | None:
    """The CloudEvent id a record's headers carry, without decoding the record."""
    return header_of(record, "ce_id")


class Unprocessable(Exception):
    """A record that retrying will never fix."""


class Restart(Exception):
    """The consumer must start again with new clients; `reason` is its label in consumer_restarts_total."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


class _FromBeginning(ConsumerRebalanceListener):
    """Reads newly assigned partitions from their first offset after the broker lost its data."""

    def __init__(self, runner: ConsumerRunner):
        self.runner = runner
        self.consumer = None  # set once the consumer it listens to exists

    async def on_partitions_revoked(self, revoked) -> None:
        pass

    async def on_partitions_assigned(self, assigned) -> None:
        if self.runner._from_beginning and assigned and self.consumer is not None:
            await self.consumer.seek_to_beginning(*assigned)
            self.runner._from_beginning = False
            log.warning("consumer %s reads %s from the start", self.runner.group, sorted(assigned))


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
        # The ce_source each declared topic's events must carry: its producer's.
        self._sources = {topic: producer_source(topic) for topic in self.topics if topic in TOPICS}
        self.database = database
        self.settings = settings
        self.metrics = metrics
        self.pace = Pace(settings.consumer_max_records_per_second)
        self._consumer = None
        self._producer = None
        # Kept across reconnections: how the consumer tells a broker that lost its data.
        self.incarnation = BrokerIncarnation(window=timedelta(0))
        self._from_beginning = False
        self._broker_lost_data = False
        self._waiting_for_database = False
        self._moved_at = time.monotonic()
        self.stuck = False
        self.restarts = 0

    async def run(self) -> None:
        """Consume until cancelled, reconnecting with backoff while the broker is away."""
        backoff = Backoff()
        while True:
            try:
                await self._connect()
                backoff.reset()
                await self._consume_watched()
            except asyncio.CancelledError:
                raise
            except Restart as restart:
                log.warning("consumer %s starts again: %s", self.group, restart)
                await self.stop()
            except Exception as exc:
                log.warning("consumer %s lost the broker: %s", self.group, exc)
                await self.stop()
                await backoff.wait()

    async def _connect(self) -> None:
        listener = _FromBeginning(self)
        consumer = listener.consumer = create_consumer(self.settings, self.group, self.topics, listener=listener)
        producer = create_producer(self.settings)
        try:
            await consumer.start()
            await producer.start()
            # A broker that lost its data while this consumer was away: the assignment reads from the start.
            await self._note_cluster(await cluster_id(consumer._client))
        except BaseException:  # cancellation too: a half-started client must not leak
            await asyncio.gather(consumer.stop(), producer.stop(), return_exceptions=True)
            raise
        self._consumer, self._producer = consumer, producer
        self._moved(progress=False)

    async def _note_cluster(self, cluster: str | None) -> bool:
        """Whether the broker is a new one without our data; if so the consumer reads its log from the start."""
        if self.incarnation.observe_cluster(cluster, datetime.now(timezone.utc)) is None:
            return False
        self.metrics.broker_data_lost.labels("consumer").inc()
        self._from_beginning = self._broker_lost_data = True
        return True

    async def _consume_watched(self) -> None:
        """Consume while a watch asks the broker for its cluster id and looks for a stuck consumer."""
        consume = asyncio.create_task(self._consume())
        watch = asyncio.create_task(self._watch())
        try:
            done, _ = await asyncio.wait({consume, watch}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (consume, watch):
                task.cancel()
            await asyncio.gather(consume, watch, return_exceptions=True)
        # Neither ends but by raising.
        (watch if watch in done else consume).result()

    async def _consume(self) -> None:
        # The same clients go on when the broker comes back, with or without its data: aiokafka rejoins
        # the group by itself, and after a loss the consumer seeks the new log's start. New clients
        # would wait seconds for the group the old ones had begun to rejoin on the new broker.
        while True:
            fetched_from = self.incarnation.cluster
            batches = await self._consumer.getmany(
                timeout_ms=1000, max_records=BATCH_FETCH_RECORDS if self.batch_handler else FETCH_RECORDS)
            offsets = {}
            for partition, records in batches.items():
                if await self._followed_new_log():
                    break  # these records came from positions in the lost log
                self.metrics.consumed_messages.labels("kafka", "poll", partition.topic, self.group).inc(len(records))
                if self.batch_handler:
                    await self.pace.take(len(records))
                    if not await self._applied_as_batch(records):
                        await self._process_each(records)
                else:
                    for start in range(0, len(records), TRANSACTION_RECORDS):
                        chunk = records[start:start + TRANSACTION_RECORDS]
                        await self.pace.take(len(chunk))
                        await self._apply_together(chunk)
                offsets[partition] = records[-1].offset + 1
                self._moved()
            # An offset of the lost log committed to the new broker would skip the new log's first
            # records, for good once the new log is longer: commit only to the broker they came from.
            if offsets and not await self._followed_new_log() and await self._same_broker(fetched_from):
                await self._commit(offsets)
            await self._followed_new_log()
            await self._record_lag()

    async def _same_broker(self, cluster: str | None) -> bool:
        try:
            now = await cluster_id(self._consumer._client, timeout=2)
        except Exception:  # away: the records are read again later, and found in the inbox
            return False
        if await self._note_cluster(now):
            await self._followed_new_log()
            return False
        return cluster is None or now == cluster

    async def _commit(self, offsets: dict) -> None:
        try:
            await self._consumer.commit(offsets)
        except CommitFailedError as exc:
            # The group rebalanced (a broker that came back, a member that joined): the records are
            # applied, and whoever reads the partition next finds them in the inbox.
            log.warning("consumer %s could not commit %s: %s", self.group, offsets, exc)

    async def _followed_new_log(self) -> bool:
        """After the watch saw the broker lose its data: read every assigned partition from its start."""
        if not self._broker_lost_data:
            return False
        self._broker_lost_data = False
        assigned = self._consumer.assignment()
        if assigned:
            await self._consumer.seek_to_beginning(*assigned)
            self._from_beginning = False
            log.warning("consumer %s: the broker came back without its data; reading %d partitions from the start",
                        self.group, len(assigned))
        return True

    async def _watch(self) -> None:
        """Note a broker that came back without its data; raise Restart when the consumer is stuck."""
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            try:
                cluster = await cluster_id(self._consumer._client, timeout=2)
            except Exception:  # the broker is away: waiting for it is not being stuck
                self._moved(progress=False)
                continue
            if await self._note_cluster(cluster):
                continue  # the consume loop seeks at its next step, between records
            if self._waiting_for_database:
                self._moved(progress=False)
            elif (still := time.monotonic() - self._moved_at) > self.settings.consumer_stuck_seconds:
                # Counted with the flag, not after the consume task has been cancelled (a rollback and more
                # later): /readyz must never report a stuck consumer that no restart has been made for.
                self.stuck = True
                self.restarts += 1
                self.metrics.consumer_restarts.labels("stuck").inc()
                raise Restart("stuck", f"no record applied for {still:.0f}s while records were waiting")

    def _moved(self, progress: bool = True) -> None:
        """The consumer made progress, or (`progress=False`) is right to wait: the stuck clock starts again.
        Only progress tells that a consumer found stuck is going again."""
        self._moved_at = time.monotonic()
        if progress:
            self.stuck = False

    async def _process_each(self, records: list[ConsumerRecord], failed: tuple[int, Exception] | None = None) -> None:
        """One transaction per record, skipping those the inbox already holds; `failed` names a record whose
        attempt in a batch failed, so that attempt counts towards its dead letter."""
        applied = await self._applied_before(records)
        for index, record in enumerate(records):
            if record_id(record) in applied:
                self.metrics.consumed.labels(record.topic, "duplicate").inc()
                continue
            await self.process(record, earlier_error=failed[1] if failed and failed[0] == index else None)

    async def _apply_together(self, records: list[ConsumerRecord]) -> None:
        """Apply consecutive records of one partition in one transaction; one at a time when one of them
        cannot be read (it goes to its dead letter in order) or the transaction failed (it kept nothing)."""
        if len(records) == 1:
            return await self._process_each(records)
        try:
            decoded = [self._decode(record) for record in records]
        except Unprocessable:
            return await self._process_each(records)
        index, outcomes = -1, []  # the record being applied, once the inbox query is done
        try:
            async with self.database.transaction() as session:
                seen = set((await session.execute(select(InboxRecord.event_id).where(
                    InboxRecord.consumer_group == self.group,
                    InboxRecord.event_id.in_([envelope.id for envelope, _, _ in decoded])))).scalars())
                for index, (record, (envelope, event, subscription)) in enumerate(zip(records, decoded)):
                    with self._span(record, envelope):
                        outcomes.append(await self._apply_in(session, envelope, event, subscription,
                                                             duplicate=envelope.id in seen))
                    seen.add(envelope.id)
        except Exception as exc:
            # What failed at the inbox query or the commit, or because the database went away, is no record's fault.
            blamed = len(outcomes) == index and not database_unavailable(exc)
            if blamed:
                log.warning("handler for %s failed (attempt 1, in a batch of %d): %s", decoded[index][0].type,
                            len(records), exc)
            return await self._process_each(records, failed=(index, exc) if blamed else None)
        for record, outcome in zip(records, outcomes):
            self.metrics.consumed.labels(record.topic, outcome).inc()
        self._moved()

    async def _applied_before(self, records: list[ConsumerRecord]) -> set[str]:
        """Ids of the records' events already in the inbox, in one query: a log read again from its start
        (after the broker lost its data) is mostly duplicates, and each would cost a transaction."""
        ids = [event_id for event_id in map(record_id, records) if event_id]
        if not ids:
            return set()
        try:
            async with self.database.transaction() as session:
                return set((await session.execute(select(InboxRecord.event_id).where(
                    InboxRecord.consumer_group == self.group, InboxRecord.event_id.in_(ids)))).scalars())
        except Exception as exc:  # the records' own transactions will say what is wrong
            log.debug("inbox look-up before a batch failed: %s", exc)
            return set()

    async def process(self, record: ConsumerRecord, *, earlier_error: Exception | None = None) -> str:
        """Apply one record, or park it in the dead-letter topic; what became of it. `earlier_error` is the
        failure of an attempt already made (in a batch), which counts as the first."""
        try:
            envelope, event, subscription = self._decode(record)
        except Unprocessable as exc:
            await self._dead_letter(record, str(exc))
            return "dead_lettered"
        error, attempt, outage = earlier_error, int(earlier_error is not None), Backoff()
        if attempt:
            await asyncio.sleep(self.settings.consumer_retry_backoff_seconds)
        while attempt < self.settings.consumer_max_attempts:
            try:
                outcome = await self._apply(record, envelope, event, subscription)
                self.metrics.consumed.labels(record.topic, outcome).inc()
                self._moved()
                return outcome
            except Exception as exc:
                if database_unavailable(exc):
                    # Not the record's fault: the consumer pauses on it (offsets stay where they are)
                    # until the database is back, and the record does not count towards its dead letter.
                    log.warning("database unavailable; consumer %s waits to apply %s: %s", self.group,
                                envelope.type, exc)
                    self.metrics.database_unavailable.labels("consumer").inc()
                    self._waiting_for_database = True
                    try:
                        await outage.wait()
                    finally:
                        self._waiting_for_database = False
                        self._moved(progress=False)
                    continue
                error, attempt = exc, attempt + 1
                log.warning("handler for %s failed (attempt %d): %s", envelope.type, attempt, exc)
                await asyncio.sleep(self.settings.consumer_retry_backoff_seconds * 2**(attempt - 1))
        await self._dead_letter(record, f"{type(error).__name__}: {error}")
        return "dead_lettered"

    async def process_again(self, records: list[ConsumerRecord]) -> list[str]:
        """Process records once more, outside the live consumer (dead letters put back after a fix), with
        a producer of its own for those that fail again; the outcome of each, in order."""
        producer = self._producer = create_producer(self.settings)
        await producer.start()
        try:
            return [await self.process(record) for record in records]
        finally:
            await producer.stop()
            self._producer = None

    def _decode(self, record: ConsumerRecord) -> tuple[Envelope, Event, Subscription]:
        try:
            envelope = Envelope.from_record(record.headers, record.value)
        except MalformedEvent as exc:
            raise Unprocessable(f"malformed record: {exc}") from exc
        self._check_source(record.topic, envelope)
        subscription = self.by_type.get(envelope.type)
        if subscription is None:
            raise Unprocessable(f"no handler for event type {envelope.type!r}")
        try:
            event = subscription.event.model_validate(envelope.data)
        except ValidationError as exc:
            raise Unprocessable(f"data does not match {envelope.type}: {exc.errors(include_url=False)}") from exc
        return envelope, event, subscription

    def _check_source(self, topic: str, envelope: Envelope) -> None:
        """Only the service a topic belongs to publishes on it: an event claiming another source is refused
        (the broker's ACLs keep other writers off the topic; this catches what gets past them)."""
        expected = self._sources.get(topic)
        if expected is not None and envelope.source != expected:
            self.metrics.refused.labels(topic, "source").inc()
            raise Unprocessable(f"ce_source {envelope.source!r} is not {expected!r}, the producer of {topic}")

    def _attributes(self, record: ConsumerRecord, envelope: Envelope) -> dict:
        return messaging_attributes("process", record.topic, message_id=envelope.id, key=record.key,
                                    body_size=len(record.value or b""), group=self.group,
                                    partition=record.partition, offset=record.offset)

    async def _apply(self, record: ConsumerRecord, envelope: Envelope, event: Event,
                     subscription: Subscription) -> str:
        """Run the handler in one transaction with the inbox and version checks; returns the outcome."""
        with self._span(record, envelope):
            async with self.database.transaction() as session:
                duplicate = await session.get(InboxRecord, (self.group, envelope.id)) is not None
                return await self._apply_in(session, envelope, event, subscription, duplicate=duplicate)

    @contextmanager
    def _span(self, record: ConsumerRecord, envelope: Envelope):
        """The processing span, continuing the trace of the span that published the record, and its duration
        in messaging_process_duration_seconds."""
        context = context_from_traceparent(envelope.traceparent)
        started, error_type = time.perf_counter(), ""
        with tracer.start_as_current_span(f"process {record.topic}", context=context,
                                          kind=trace.SpanKind.CONSUMER) as span:
            if span.is_recording():
                span.set_attributes(self._attributes(record, envelope))
            try:
                yield span
            except BaseException as exc:
                error_type = type(exc).__qualname__
                raise
            finally:
                self.metrics.process_seconds.labels("kafka", "process", record.topic, self.group, error_type).observe(
                    time.perf_counter() - started)

    async def _apply_in(self, session: AsyncSession, envelope: Envelope, event: Event, subscription: Subscription,
                        *, duplicate: bool) -> str:
        """Inbox, version check and handler of one record in the session's transaction; the outcome."""
        if duplicate:
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
            with self._batch_spans(records, [envelope for envelope, _, _ in decoded]):
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
        self._moved()
        return True

    @contextmanager
    def _batch_spans(self, records: list[ConsumerRecord], envelopes: list[Envelope]):
        """One span for the batch, linked to each record's publishing span, and one per record in the trace
        that published it, linked back to the batch: each change's trace shows its processing."""
        producers = [trace.get_current_span(context_from_traceparent(e.traceparent)).get_span_context()
                     for e in envelopes]
        links = [trace.Link(context) for context in producers if context.is_valid]
        attributes = messaging_attributes("process", records[0].topic, group=self.group)
        attributes["messaging.batch.message_count"] = len(records)
        with tracer.start_as_current_span(f"process {records[0].topic}", kind=trace.SpanKind.CONSUMER, links=links,
                                          attributes=attributes) as batch:
            each = [tracer.start_span(f"process {record.topic}", kind=trace.SpanKind.CONSUMER,
                                      context=context_from_traceparent(envelope.traceparent),
                                      attributes=self._attributes(record, envelope),
                                      links=[trace.Link(batch.get_span_context())])
                    for record, envelope in zip(records, envelopes)] if batch.is_recording() else []
            try:
                yield batch
            finally:
                for span in each:
                    span.end()

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
        assigned = self._consumer.assignment()
        if not assigned:  # joining the group: how far behind is unknown, so it is waiting, not stuck
            self._moved(progress=False)
            return
        behind = 0
        for partition in assigned:
            highwater = self._consumer.highwater(partition)
            if highwater is None:
                continue
            position = await self._consumer.position(partition)
            if position_beyond_end(position, highwater):
                # The log this position belongs to is gone (an offset carried over to a broker that
                # started again): read the new one from its start; the inbox skips what was applied.
                log.warning("consumer %s is at %d of %s but the log ends at %d: reading it from the start",
                            self.group, position, partition, highwater)
                self.metrics.broker_data_lost.labels("consumer").inc()
                await self._consumer.seek_to_beginning(partition)
                continue
            lag = max(highwater - position, 0)
            behind += lag
            self.metrics.consumer_lag.labels(partition.topic, str(partition.partition)).set(lag)
        if behind == 0:  # nothing to read is not being stuck
            self._moved()

    async def stop(self) -> None:
        consumer, producer, self._consumer, self._producer = self._consumer, self._producer, None, None
        for client in (consumer, producer):
            if client is not None:
                try:
                    await asyncio.wait_for(client.stop(), 5)
                except Exception:
                    pass
