"""Applying source events to the registry: keep the newest snapshot of the source, then bring every
entry built from it up to date. Each function returns the entries it wrote, for `hub.flows` to follow."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from events.base import Event
from hub.registry import batch, entries, repository
from hub.registry.batch import BatchReads
from hub.registry.entries import EntryChange
from hub.registry.models import RegistryEntry, SourceRecord
from hub.registry.projection import ENTRY_TYPES, Source, derive, merge, owner_of, source_of
from servicekit.problems import not_found


async def apply_source_events(session: AsyncSession, events: list[Event]) -> list[EntryChange]:
    """Apply a batch: fold it per source in memory first (the merge is order-free), read what the
    batch needs in a few queries, then store each source once (stale and duplicate events change nothing)."""
    folded: dict[tuple[str, str], Source] = {}
    for incoming in map(source_of, events):
        key = (incoming.kind, incoming.id)
        folded[key] = merge(folded.get(key), incoming) or folded[key]
    reads = await batch.read_ahead(session, list(folded.values()))
    changes: list[EntryChange] = []
    for source in folded.values():
        changes += await store_source(session, source, at=source.changed_at, reads=reads)
    return changes


async def store_source(session: AsyncSession, incoming: Source, *, at: datetime, reads: BatchReads,
                       actor: str = "system") -> list[EntryChange]:
    """Merge one source snapshot in and refresh the entries it feeds."""
    key = (incoming.kind, incoming.id)
    record = await reads.source(session, key)
    merged = merge(record.as_source() if record else None, incoming)
    if merged is None:
        return []
    if record is None:
        record = reads.sources[key] = SourceRecord(kind=merged.kind, id=merged.id)
    record.take(merged)
    session.add(record)
    if merged.kind == "supplier":
        affected = [r.as_source() for r in await repository.sources_of_supplier(session, merged.id)]
    else:
        affected = [merged] if merged.kind in ENTRY_TYPES else []
    changes = [await refresh(session, source, at=at, actor=actor, reads=reads) for source in affected]
    return [change for change in changes if change is not None]


async def refresh(session: AsyncSession, source: Source, *, at: datetime, actor: str = "system",
                  reads: BatchReads | None = None) -> EntryChange | None:
    """Derive the source's entry again and store it when it changed."""
    reads = reads or BatchReads()
    owner = owner_of(source)
    supplier = await reads.source(session, ("supplier", owner)) if owner else None
    content = derive(source, supplier.state if supplier else None)
    if content is None:
        return None
    return await entries.write(session, content, at=at, actor=actor, reads=reads)


async def get_entry(session: AsyncSession, entry_id: str, *, include_left: bool) -> RegistryEntry:
    """One entry; one that left the public registry only when `include_left`."""
    entry = await session.get(RegistryEntry, entry_id)
    if entry is None or (not entry.listed and not include_left):
        raise not_found("registry entry", entry_id)
    return entry
