"""Applying source events to the registry: keep the newest snapshot of the source, then bring every
entry built from it up to date (an offering's linked use cases follow it in and out)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from events.base import Event
from hub.registry import batch, entries, repository
from hub.registry.models import RegistryEntry, SourceRecord
from hub.registry.projection import ENTRY_TYPES, Source, derive, merge, source_of
from hub.usecase import service as use_cases
from servicekit.problems import not_found


async def apply_source_event(session: AsyncSession, event: Event) -> None:
    """Handler of every source event the hub follows (stale and duplicate ones change nothing)."""
    await apply_source_events(session, [event])


async def apply_source_events(session: AsyncSession, events: list[Event]) -> None:
    """Apply a batch: fold it per source in memory first (the merge is order-free), read what the
    batch needs in a few queries, then store each source once."""
    folded: dict[tuple[str, str], Source] = {}
    for incoming in map(source_of, events):
        key = (incoming.kind, incoming.id)
        folded[key] = merge(folded.get(key), incoming) or folded[key]
    await batch.prefetch(session, list(folded.values()))
    try:
        for source in folded.values():
            await store_source(session, source, at=source.changed_at)
    finally:
        batch.forget(session)


async def store_source(session: AsyncSession, incoming: Source, *, at: datetime, actor: str = "system") -> None:
    """Merge one source snapshot in and refresh the entries it feeds."""
    record = await batch.load(session, SourceRecord, (incoming.kind, incoming.id))
    merged = merge(record.as_source() if record else None, incoming)
    if merged is None:
        return
    if record is None:
        record = SourceRecord(kind=merged.kind, id=merged.id)
        batch.remember(session, SourceRecord, (merged.kind, merged.id), record)
    record.take(merged)
    session.add(record)
    if merged.kind == "supplier":
        affected = [r.as_source() for r in await repository.sources_of_supplier(session, merged.id)]
    else:
        affected = [merged] if merged.kind in ENTRY_TYPES else []
    for source in affected:
        await refresh(session, source, at=at, actor=actor)


async def refresh(session: AsyncSession, source: Source, *, at: datetime, actor: str = "system") -> None:
    """Derive the source's entry again and store it when it changed."""
    owner = source.state.get("supplier_id") or source.state.get("provider_id")
    supplier = await batch.load(session, SourceRecord, ("supplier", owner)) if owner else None
    content = derive(source, supplier.state if supplier else None)
    if content is None:
        return
    entry, action = await entries.write(session, content, at=at, actor=actor)
    if entry is not None and entry.type == "offering" and action in ("added", "removed"):
        await use_cases.follow_offering(session, entry.source_id, at=at)


async def get_entry(session: AsyncSession, entry_id: str, *, include_left: bool) -> RegistryEntry:
    """One entry; one that left the public registry only when `include_left`."""
    entry = await session.get(RegistryEntry, entry_id)
    if entry is None or (not entry.listed and not include_left):
        raise not_found("registry entry", entry_id)
    return entry
