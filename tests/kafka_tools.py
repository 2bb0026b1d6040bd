"""Reading and writing raw records on the broker, for tests that look at the wire."""

from __future__ import annotations

import asyncio
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition


async def read_topic(bootstrap_servers: str, topic: str, *, until=lambda records: False,
                     timeout: float = 10.0) -> list:
    """Records of `topic` from the beginning, read until `until(records)` holds or `timeout` passes."""
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
    while not (found := consumer.partitions_for_topic(topic)):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"topic {topic} does not exist")
        await consumer._client.force_metadata_update()
        await asyncio.sleep(0.1)
    return [TopicPartition(topic, p) for p in sorted(found)]


async def produce_raw(bootstrap_servers: str, topic: str, value: bytes, *, key: bytes | None = None,
                      headers: list[tuple[str, bytes]] | None = None) -> None:
    """Put one record on a topic exactly as given."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, enable_idempotence=False)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key, headers=headers or [])
    finally:
        await producer.stop()


def header(record, name: str) -> str | None:
    for key, value in record.headers or ():
        if key == name:
            return value.decode()
    return None
