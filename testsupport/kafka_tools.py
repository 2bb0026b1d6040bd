"""Reading and writing raw records on the broker, for tests that look at the wire."""

from __future__ import annotations

import asyncio

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from servicekit.bus import header_of as header  # noqa: F401  (the tests read headers by this name)
from servicekit.replay import partitions_of
from servicekit.testing import PATIENCE_SECONDS

from events import EVENT_TYPES, TOPICS, Envelope, Event, source_for


async def read_topic(bootstrap_servers: str, topic: str, *, until=None, timeout: float | None = None) -> list:
    """Records of `topic` from the beginning, read until `until(records)` holds or `timeout` passes.

    Without `until` it reads for `timeout` seconds (default 10); with it, `timeout` only bounds a hang and defaults to
    the tests' patience."""
    if until is None:
        until, timeout = (lambda records: False), timeout or 10.0
    timeout = PATIENCE_SECONDS if timeout is None else timeout
    # No consumer group: assigning every partition directly avoids waiting for a rebalance.
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, auto_offset_reset="earliest",
                                enable_auto_commit=False, fetch_max_wait_ms=20)
    await consumer.start()
    records: list = []
    try:
        partitions = await _partitions(consumer, topic, timeout)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline and not until(records):
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                records.extend(batch)
    finally:
        await consumer.stop()
    return records


async def _partitions(consumer: AIOKafkaConsumer, topic: str, timeout: float) -> list[TopicPartition]:
    deadline = asyncio.get_running_loop().time() + timeout
    while not (found := await partitions_of(consumer, [topic])):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"topic {topic} does not exist")
        await asyncio.sleep(0.1)
    return found


async def produce_raw(bootstrap_servers: str, topic: str, value: bytes, *, key: bytes | None = None,
                      headers: list[tuple[str, bytes]] | None = None) -> None:
    """Put one record on a topic exactly as given."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, enable_idempotence=False)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key, headers=headers or [])
    finally:
        await producer.stop()


def wrapped(event: Event) -> Envelope:
    """The CloudEvent the producing service's outbox relay would put on the wire."""
    return Envelope(type=event.TYPE, source=source_for(TOPICS[event.TOPIC].producer), subject=event.aggregate_id,
                    data=orjson.loads(event.model_dump_json()), time=event.occurred_at)


async def produce(bootstrap_servers: str, envelopes: list[Envelope]) -> None:
    """Put the envelopes on their topics, in the order given (a duplicate keeps its ce_id)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, enable_idempotence=False, linger_ms=0)
    await producer.start()
    try:
        for envelope in envelopes:
            await producer.send_and_wait(EVENT_TYPES[envelope.type].TOPIC, envelope.value(), key=envelope.key,
                                         headers=envelope.headers())
    finally:
        await producer.stop()


async def produce_events(bootstrap_servers: str, *events: Event) -> None:
    """Put the events on their topics as their producing services' relays would, in the order given."""
    await produce(bootstrap_servers, [wrapped(e) for e in events])


async def start_groups_at_the_end(bootstrap_servers: str, groups: list[str]) -> None:
    """Commit, for each of these new consumer groups, the current end of every topic on the broker.

    A test's stack is new and its databases empty, but the broker is its worker's, shared by every test
    before it: without this each consumer of a new stack would first read (and apply to its own database)
    every event those tests ever published. Its own events all come after these offsets."""
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
    await reader.start()
    try:
        topics = sorted(topic for topic in await reader.topics() if not topic.startswith("__"))
        partitions = await partitions_of(reader, topics)
        if not partitions:
            return
        ends = await reader.end_offsets(partitions)
    finally:
        await reader.stop()
    offsets = {partition: end for partition, end in ends.items() if end}
    if not offsets:
        return
    for group in groups:
        committer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, group_id=group, enable_auto_commit=False)
        await committer.start()
        try:
            committer.assign(list(offsets))
            await committer.commit(offsets)
        finally:
            await committer.stop()
