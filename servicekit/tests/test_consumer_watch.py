"""The consumer's watch: a stuck consumer is restarted, counted and reported; a position past the log's end
(an offset carried over to a broker that lost its data) is read again from the start."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, TopicPartition

from servicekit.bus import create_producer
from servicekit.consumer import on
from servicekit.testing import eventually
from servicekit.tests.sample.events import events_on
from servicekit.tests.sample.handlers import apply_note_event
from servicekit.tests.support import unique
from servicekit.tests.test_consumer import Harness, harness  # noqa: F401  (the fixture)


async def test_a_stuck_consumer_is_restarted_counted_and_reported_until_it_moves(start_sqlite_sample, broker):
    topic = unique("servicekit.stuck") + ".v1"
    registered, updated = events_on(topic)
    calls = []

    async def hangs_twice(session, event):
        calls.append(event.aggregate_id)
        if len(calls) <= 2:
            await asyncio.Event().wait()  # until the watch gives up on it and restarts the consumer
        await apply_note_event(session, event)

    sample = await start_sqlite_sample(subscriptions=on(registered, updated, handler=hangs_twice),
                                       consumer_stuck_seconds=2.5)
    harness = Harness(sample.database, broker.bootstrap_servers)
    harness.topic, harness.registered, harness.updated = topic, registered, updated
    producer = create_producer(sample.settings)
    await producer.start()
    try:
        envelope = harness.envelope("stuck-1", 1)
        await producer.send_and_wait(topic, envelope.value(), key=envelope.key, headers=envelope.headers())

        async def reported_stuck():
            response = await sample.client.get("/readyz")
            return response.status_code == 503 and response.json()["consumer"]["stuck"] and response.json()

        body = await eventually(reported_stuck)
        assert body["consumer"]["restarts"] >= 1
        assert "consumer is stuck" in body["detail"]

        async def ready_again():
            response = await sample.client.get("/readyz")
            return response.status_code == 200 and response.json()

        body = await eventually(ready_again)
        # Two hangs, two restarts (a busy machine may add one more: more is allowed, not fewer).
        assert body["consumer"]["stuck"] is False and body["consumer"]["restarts"] >= 2
    finally:
        await producer.stop()
    metrics = sample.app.state.metrics
    assert metrics.consumer_restarts.labels("stuck")._value.get() >= 2
    assert len(calls) >= 3 and set(calls) == {"stuck-1"}
    assert metrics.consumed.labels(topic, "applied")._value.get() == 1


async def test_an_offset_past_the_end_of_the_log_is_read_again_from_the_start(harness):
    """What a broker that lost its data looks like to a consumer whose old offset reached it: Tansu answers
    a fetch past the end with nothing, for ever, where Apache Kafka says the offset is out of range."""
    envelopes = [harness.envelope(f"far-{i}", 1) for i in range(3)]
    for envelope in envelopes:
        await harness.send(envelope)
    partitions = {TopicPartition(harness.topic, p) for p in range(await _partition_count(harness))}
    committer = AIOKafkaConsumer(bootstrap_servers=harness.bootstrap_servers, group_id=harness.group,
                                 enable_auto_commit=False)
    await committer.start()
    try:
        committer.assign(list(partitions))
        await committer.commit({partition: 1000 for partition in partitions})
    finally:
        await committer.stop()

    runner = await harness.start()
    for envelope in envelopes:
        await eventually(lambda aggregate_id=envelope.subject: harness.applied(aggregate_id))
    assert runner.metrics.broker_data_lost.labels("consumer")._value.get() >= 1
    assert harness.outcomes("applied") == 3


async def _partition_count(harness: Harness) -> int:
    partitions = await harness.producer.partitions_for(harness.topic)
    return len(partitions)
