"""Rebuilding the registry from scratch: read every source topic from its first offset, fold the events
into an empty in-memory registry (the same pure functions the consumer uses), then swap it in within
one transaction. Entries whose content comes out the same are left untouched, so a rebuild of a
healthy registry changes nothing; what differs (a lost or damaged row) is written, announced and
queued for the hub like any other change. The live consumer goes on meanwhile; what it stored after
the replay read the topics is newer and is kept.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import replace
from datetime import datetime, timezone

from aiokafka import TopicPartition
from pydantic import BaseModel, ValidationError
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from events import EVENT_TYPES, Envelope, Event, MalformedEvent
from hub.registry.models import RegistryEntry, SourceRecord
from hub.registry.projection import Registry, Source
from hub.registry.service import refresh
from hub.usecase import service as use_cases
from hub.usecase.models import UseCase
from servicekit.bus import create_consumer
from servicekit.db import Database
from servicekit.settings import ServiceSettings

log = logging.getLogger("hub.rebuild")
READ_TIMEOUT_SECONDS = 120.0


class RebuildOutcome(BaseModel):
    events: int
    sources: int
    listed: int
    changed: int


async def read_from_start(settings: ServiceSettings, topics: list[str]) -> list[Event]:
    """Every event on the topics, from offset 0 to the end as it is now, in a fresh consumer group that
    never commits (partitions are assigned, not subscribed: no rebalance to wait for)."""
    consumer = create_consumer(settings, f"{settings.consumer_group}-rebuild-{uuid.uuid4().hex[:8]}", [])
    await consumer.start()
    found: list[Event] = []
    try:
        await consumer._client.force_metadata_update()
        partitions = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]
        if not partitions:
            return found
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        remaining = {tp for tp in partitions if ends[tp] > 0}
        deadline = asyncio.get_running_loop().time() + READ_TIMEOUT_SECONDS
        while remaining:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"the topics were not read to their end within {READ_TIMEOUT_SECONDS} s")
            for partition, records in (await consumer.getmany(*remaining, timeout_ms=500)).items():
                found.extend(e for e in map(_decode, records) if e is not None)
                if records[-1].offset + 1 >= ends[partition]:
                    remaining.discard(partition)
    finally:
        await consumer.stop()
    return found


def _decode(record) -> Event | None:
    try:
        envelope = Envelope.from_record(record.headers, record.value)
        return EVENT_TYPES[envelope.type].model_validate(envelope.data) if envelope.type in EVENT_TYPES else None
    except (MalformedEvent, ValidationError) as exc:
        log.warning("rebuild skips %s/%d@%d: %s", record.topic, record.partition, record.offset, exc)
        return None


async def rebuild(database: Database, settings: ServiceSettings, topics: list[str]) -> RebuildOutcome:
    """Replay the topics into an empty registry and swap it in."""
    events = await read_from_start(settings, topics)
    registry = Registry()
    for event in events:
        registry.apply(event)
    async with database.transaction() as session:
        if not database.is_sqlite:
            await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('hub-rebuild'))"))
        changed = await swap(session, registry, at=datetime.now(timezone.utc))
        listed = len((await session.execute(select(RegistryEntry.id).where(RegistryEntry.listed.is_(True)))).all())
    return RebuildOutcome(events=len(events), sources=len(registry.sources), listed=listed, changed=changed)


async def swap(session: AsyncSession, registry: Registry, *, at: datetime) -> int:
    """Take the replayed sources in, then write every entry again; returns how many entries changed.

    A replayed source replaces the stored one unless the live consumer has meanwhile stored a newer
    version (events that arrived after the replay read the topics); a stored source the replay did not
    see is kept for the same reason."""
    stored = {(r.kind, r.id): r for r in (await session.execute(select(SourceRecord))).scalars().all()}
    for key, source in registry.sources.items():
        record = stored.get(key) or SourceRecord(kind=source.kind, id=source.id)
        record.take(_newest(record.as_source() if key in stored else None, source))
        session.add(record)
    await session.flush()
    before = {e.id: e.version for e in (await session.execute(select(RegistryEntry))).scalars().all()}
    for key in registry.sources:
        record = stored.get(key) or await session.get(SourceRecord, key)
        await refresh(session, record.as_source(), at=at, actor="rebuild")
    for use_case in (await session.execute(select(UseCase))).scalars().all():
        await use_cases.write_entry(session, use_case, at=at, actor="rebuild")
    await session.flush()
    after = {e.id: e.version for e in (await session.execute(select(RegistryEntry))).scalars().all()}
    return sum(1 for entry_id, version in after.items() if before.get(entry_id) != version)


def _newest(stored: Source | None, replayed: Source) -> Source:
    if stored is None or replayed.version >= stored.version:
        return replayed
    return replace(stored, first_live_at=min(filter(None, (stored.first_live_at, replayed.first_live_at)),
                                             default=None))


async def _main() -> None:
    from hub.settings import HubSettings
    from hub.subscriptions import SOURCE_TOPICS
    from hub.sync import queue

    settings = HubSettings()
    database = Database(settings.database_url)
    if settings.sync_url:  # changes the rebuild makes are queued; the running service pushes them
        queue.enable(database)
    try:
        outcome = await rebuild(database, settings, [t.name for t in SOURCE_TOPICS])
    finally:
        await database.dispose()
    print(f"registry rebuilt from {outcome.events} events: {outcome.sources} sources, "
          f"{outcome.listed} entries listed, {outcome.changed} changed")


if __name__ == "__main__":  # make rebuild-hub
    asyncio.run(_main())
