"""Applying source events to the registry: keep the newest snapshot of the source, then bring every
entry built from it up to date (an offering's linked use cases follow it in and out)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from events.base import Event
from hub.registry import entries, repository
from hub.registry.models import RegistryEntry, SourceRecord
from hub.registry.projection import ENTRY_TYPES, Source, derive, merge, source_of
from hub.usecase import service as use_cases
from servicekit.problems import not_found


async def apply_source_event(session: AsyncSession, event: Event) -> None:
    """Handler of every source event the hub follows (stale and duplicate ones change nothing)."""
    await store_source(session, source_of(event), at=event.occurred_at)


async def store_source(session: AsyncSession, incoming: Source, *, at: datetime, actor: str = "system") -> None:
    """Merge one source snapshot in and refresh the entries it feeds."""
    record = await session.get(SourceRecord, (incoming.kind, incoming.id))
    merged = merge(record.as_source() if record else None, incoming)
    if merged is None:
        return
    record = record or SourceRecord(kind=merged.kind, id=merged.id)
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
    supplier = await session.get(SourceRecord, ("supplier", owner)) if owner else None
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
