"""Rebuilding the registry's sources from a replay of every source topic: fold the events into an empty
in-memory registry (the same pure functions the consumer uses), then take them in within one transaction.
Entries whose content comes out the same are left untouched, so a rebuild of a healthy registry changes
nothing; what differs (a lost or damaged row) is written and announced like any other change. The live
consumer goes on meanwhile; what it stored after the replay read the topics is newer and is kept.
What else a rebuild brings up to date (use cases, the sync queue) is in `hub.flows`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from events import Event
from hub.registry.entries import EntryChange
from hub.registry.models import RegistryEntry, SourceRecord
from hub.registry.projection import Registry, replayed_over
from hub.registry.service import refresh


def fold(events: list[Event]) -> Registry:
    """The registry the events make, in memory."""
    registry = Registry()
    for event in events:
        registry.apply(event)
    return registry


async def lock(session: AsyncSession) -> None:
    """One rebuild at a time, on PostgreSQL (SQLite has a single writer anyway)."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('hub-rebuild'))"))


async def swap(session: AsyncSession, registry: Registry, *, at: datetime) -> list[EntryChange]:
    """Take the replayed sources in, then derive every entry again; returns the entries written.

    A replayed source replaces the stored one unless the live consumer has meanwhile stored a newer
    version; a stored source the replay did not see is kept for the same reason."""
    stored = {(r.kind, r.id): r for r in (await session.execute(select(SourceRecord))).scalars().all()}
    for key, source in registry.sources.items():
        record = stored.get(key) or SourceRecord(kind=source.kind, id=source.id)
        record.take(replayed_over(record.as_source() if key in stored else None, source))
        session.add(record)
    await session.flush()
    changes = []
    for key in registry.sources:
        record = stored.get(key) or await session.get(SourceRecord, key)
        if change := await refresh(session, record.as_source(), at=at, actor="rebuild"):
            changes.append(change)
    return changes


async def count_listed(session: AsyncSession) -> int:
    return len((await session.execute(select(RegistryEntry.id).where(RegistryEntry.listed.is_(True)))).all())
