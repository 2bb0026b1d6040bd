"""What the toolkit's tests share: identities, unique names and a handle on a running sample service."""

from __future__ import annotations

import asyncio
import io
import logging
import sys
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone

import httpx
import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from fastapi import FastAPI
from sqlalchemy import func, select

from servicekit.bus import header_of as header, header_values as headers_of  # noqa: F401  (for the tests)
from servicekit.db import Database
from servicekit.identity import Identity
from servicekit.telemetry import JsonFormatter
from servicekit.tests.sample.events import NoteRecorded, note_state
from servicekit.tests.sample.models import SampleNote
from servicekit.tests.sample.settings import SampleSettings

ALICE = Identity(subject="alice", roles=frozenset({"admin"}))
BOB = Identity(subject="bob", roles=frozenset({"buyer"}))
T0 = datetime(2026, 4, 1, 12, 0, tzinfo=timezone.utc)


def unique(prefix: str) -> str:
    """A name no other test uses (consumer groups, topics)."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass
class Sample:
    """A running sample service and a client that calls it as if through the gateway."""

    app: FastAPI
    client: httpx.AsyncClient
    settings: SampleSettings

    @property
    def database(self) -> Database:
        return self.app.state.database

    async def rows(self, model, *where, order_by=None) -> list:
        async with self.database.sessions() as session:
            statement = select(model).where(*where)
            if order_by is not None:
                statement = statement.order_by(order_by)
            return list((await session.execute(statement)).scalars().all())

    async def count(self, model, *where) -> int:
        async with self.database.sessions() as session:
            return await session.scalar(select(func.count()).select_from(model).where(*where))

    async def create_note(self, title: str = "a note", **fields) -> dict:
        response = await self.client.post("/api/v1/notes", json={"title": title, **fields})
        assert response.status_code == 201, response.text
        return response.json()


async def read_topic(bootstrap_servers: str, topic: str, *, until=lambda records: False,
                     timeout: float = 10.0) -> list[ConsumerRecord]:
    """Records of `topic` from the beginning, read without a consumer group until `until(records)` holds."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, auto_offset_reset="earliest",
                                enable_auto_commit=False, fetch_max_wait_ms=20)
    await consumer.start()
    records: list[ConsumerRecord] = []
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (partitions := consumer.partitions_for_topic(topic)):
            if loop.time() > deadline:
                return records
            await consumer._client.force_metadata_update()
            await asyncio.sleep(0.05)
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        while loop.time() < deadline and not until(records):
            for batch in (await consumer.getmany(timeout_ms=100)).values():
                records.extend(batch)
    finally:
        await consumer.stop()
    return records


async def committed_offset(bootstrap_servers: str, group: str, partition: TopicPartition) -> int | None:
    """The offset `group` committed for `partition`, asked without joining the group."""
    probe = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, group_id=group, enable_auto_commit=False)
    await probe.start()
    try:
        probe.assign([partition])
        return await probe.committed(partition)
    finally:
        await probe.stop()


async def produce_raw(bootstrap_servers: str, topic: str, value: bytes | None, *, key: bytes | None = None,
                      headers: list[tuple[str, bytes]] | None = None):
    """Put one record on a topic exactly as given; returns its metadata."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, enable_idempotence=False)
    await producer.start()
    try:
        return await producer.send_and_wait(topic, value, key=key, headers=headers or [])
    finally:
        await producer.stop()


def note_event(note_id: str, version: int = 1) -> NoteRecorded:
    """A sample event about a note that need not exist."""
    note = SampleNote(id=note_id, title=f"note {note_id}", created_at=T0, updated_at=T0)
    return NoteRecorded(aggregate_id=note_id, version=version, occurred_at=T0, actor="alice", supplier=note_state(note))


@contextmanager
def json_log_lines():
    """Collect what the service's JSON log handler writes (installed by the app's start-up) as parsed lines."""
    handler = next(h for h in logging.getLogger().handlers if isinstance(h.formatter, JsonFormatter))
    stream = io.StringIO()
    lines: list[dict] = []
    handler.setStream(stream)
    try:
        yield lines
    finally:
        handler.setStream(sys.stderr)
        lines.extend(orjson.loads(line) for line in stream.getvalue().splitlines())
