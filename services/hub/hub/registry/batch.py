"""What one batch of events needs from the database, read up front in a few queries.

The hub follows every public topic, so it must not spend a query per table per event. Before a
batch is applied, its source records, their suppliers' records, their entries, the history versions
of new entries and the use cases linking its offerings are read with one `IN` query each; the
handlers then find them (or know them absent) in the session's cache instead of asking again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.registry.models import RegistryEntry, SourceRecord
from hub.registry.projection import ENTRY_TYPES, Source
from hub.usecase.models import UseCaseLink
from servicekit.tables import AuditEntry

CACHE = "hub_batch_cache"
ENTRY_AGGREGATE = "registry_entry"


def owner_of(source: Source) -> str | None:
    return source.state.get("supplier_id") or source.state.get("provider_id")


async def load(session: AsyncSession, model: type, key: Any):
    """`session.get`, answered from the batch cache when the batch read it already."""
    cache = session.info.get(CACHE)
    if cache is not None and (model, key) in cache:
        return cache[(model, key)]
    found = await session.get(model, key)
    remember(session, model, key, found)
    return found


def remember(session: AsyncSession, model: type, key: Any, value: Any) -> None:
    cache = session.info.get(CACHE)
    if cache is not None:
        cache[(model, key)] = value


def cached(session: AsyncSession, name: str, key: Any, default: Any = None) -> Any:
    """A cached answer that is not a row (history versions, links), or `default` when not read."""
    return session.info.get(CACHE, {}).get((name, key), default)


async def prefetch(session: AsyncSession, sources: list[Source]) -> None:
    """Read everything the batch will look at, and cache it in the session."""
    cache = session.info.setdefault(CACHE, {})
    owners = {o for o in map(owner_of, sources) if o}
    wanted = {(s.kind, s.id) for s in sources} | {("supplier", o) for o in owners}
    rows = (await session.execute(select(SourceRecord).where(
        SourceRecord.id.in_({key[1] for key in wanted})))).scalars().all()
    for key in wanted:
        cache[(SourceRecord, key)] = None
    for row in rows:
        cache[(SourceRecord, (row.kind, row.id))] = row
    entry_ids = {f"{ENTRY_TYPES[s.kind]}:{s.id}" for s in sources if s.kind in ENTRY_TYPES}
    if not entry_ids:
        return
    for entry_id in entry_ids:
        cache[(RegistryEntry, entry_id)] = None
    for row in (await session.execute(select(RegistryEntry).where(RegistryEntry.id.in_(entry_ids)))).scalars():
        cache[(RegistryEntry, row.id)] = row
    await _prefetch_history_and_links(session, cache, entry_ids)


async def _prefetch_history_and_links(session: AsyncSession, cache: dict, entry_ids: set[str]) -> None:
    new = [e for e in entry_ids if cache[(RegistryEntry, e)] is None]
    for entry_id in new:
        cache[("history", entry_id)] = 0
    if new:
        rows = await session.execute(select(AuditEntry.aggregate_id, func.max(AuditEntry.version)).where(
            AuditEntry.aggregate_type == ENTRY_AGGREGATE, AuditEntry.aggregate_id.in_(new))
            .group_by(AuditEntry.aggregate_id))
        for entry_id, version in rows.all():
            cache[("history", entry_id)] = version or 0
    offerings = [e.split(":", 1)[1] for e in entry_ids if e.startswith("offering:")]
    for offering_id in offerings:
        cache[("links", offering_id)] = []
    if offerings:
        rows = await session.execute(select(UseCaseLink).where(UseCaseLink.offering_id.in_(offerings)))
        for link in rows.scalars():
            cache[("links", link.offering_id)].append(link.use_case_id)


def forget(session: AsyncSession) -> None:
    session.info.pop(CACHE, None)
