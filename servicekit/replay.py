"""Reading whole topics from their first offset, for projections rebuilt from scratch.

A replay uses a consumer group of its own that never commits, and assigns the partitions instead of
subscribing, so there is no rebalance to wait for and the live consumer's offsets are never touched.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from pydantic import ValidationError

from events import EVENT_TYPES, Envelope, Event, MalformedEvent, producer_source
from servicekit.bus import create_consumer
from servicekit.settings import ServiceSettings

log = logging.getLogger("servicekit.replay")
READ_TIMEOUT_SECONDS = 120.0


def event_of(record) -> Event | None:
    """The event a record carries, or None (logged) for one that is malformed, of an unknown type or from
    another source than its topic's producer (the live consumer refuses that one too)."""
    try:
        envelope = Envelope.from_record(record.headers, record.value)
        if envelope.type not in EVENT_TYPES:
            return None
        if (expected := producer_source(record.topic)) is not None and envelope.source != expected:
            log.warning("replay skips %s/%d@%d: ce_source %r is not %r", record.topic, record.partition,
                        record.offset, envelope.source, expected)
            return None
        return EVENT_TYPES[envelope.type].model_validate(envelope.data)
    except (MalformedEvent, ValidationError) as exc:
        log.warning("replay skips %s/%d@%d: %s", record.topic, record.partition, record.offset, exc)
        return None


async def partitions_of(consumer: AIOKafkaConsumer, topics: list[str]) -> list[TopicPartition]:
    """Every partition of the topics that exist, with metadata fetched now rather than when it ages."""
    await consumer._client.force_metadata_update()  # aiokafka has no public call that refreshes the cache
    return [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]


async def read_from_start(settings: ServiceSettings, topics: list[str], *,
                          timeout: float = READ_TIMEOUT_SECONDS) -> list[Event]:
    """Every event on the topics, from offset 0 to the end as it is when the read starts."""
    records = await read_records(settings, topics, timeout=timeout)
    return [event for event in map(event_of, records) if event is not None]


async def read_records(settings: ServiceSettings, topics: list[str], *,
                       timeout: float = READ_TIMEOUT_SECONDS) -> list[ConsumerRecord]:
    """Every record on the topics, from offset 0 to the end as it is when the read starts, partition by
    partition in offset order."""
    consumer = create_consumer(settings, f"{settings.consumer_group}-replay-{uuid.uuid4().hex[:8]}", [])
    await consumer.start()
    found: list[ConsumerRecord] = []
    try:
        partitions = await partitions_of(consumer, topics)
        if not partitions:
            return found
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        remaining = {tp for tp in partitions if ends[tp] > 0}
        deadline = asyncio.get_running_loop().time() + timeout
        while remaining:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"the topics were not read to their end within {timeout} s")
            for partition, records in (await consumer.getmany(*remaining, timeout_ms=500)).items():
                found.extend(records)
                if records[-1].offset + 1 >= ends[partition]:
                    remaining.discard(partition)
    finally:
        await consumer.stop()
    return found
