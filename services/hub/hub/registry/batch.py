"""What one batch of events needs from the database, read up front in a few queries.

The hub follows every public topic, so it must not spend a query per table per event. Before a
batch is applied, its source records, their suppliers' records, their entries and the history
versions of new entries are read with one `IN` query each into a `BatchReads`; the handlers then
find them (or know them absent) there instead of asking again. An empty `BatchReads` reads lazily,
so the same code serves a single change made by a request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.registry.models import RegistryEntry, SourceRecord
from hub.registry.projection import ENTRY_TYPES, Source, owner_of
from servicekit.tables import AuditEntry

ENTRY_AGGREGATE = "registry_entry"
SourceKey = tuple[str, str]


@dataclass
class BatchReads:
    """Rows read for a batch, by key; a key present with None is known to be absent."""

    sources: dict[SourceKey, SourceRecord | None] = field(default_factory=dict)
    entries: dict[str, RegistryEntry | None] = field(default_factory=dict)
    # For entries with no row: the version their history reached (0 for one never written).
    last_versions: dict[str, int] = field(default_factory=dict)

    async def source(self, session: AsyncSession, key: SourceKey) -> SourceRecord | None:
        if key not in self.sources:
            self.sources[key] = await session.get(SourceRecord, key)
        return self.sources[key]

    async def entry(self, session: AsyncSession, entry_id: str) -> RegistryEntry | None:
        if entry_id not in self.entries:
            self.entries[entry_id] = await session.get(RegistryEntry, entry_id)
        return self.entries[entry_id]

    async def last_version(self, session: AsyncSession, entry_id: str) -> int:
        """0 for a new entry; for one whose row was lost (a rebuild brings it back), the version its history
        reached, so versions keep rising for the hub and the audit."""
        if entry_id not in self.last_versions:
            self.last_versions[entry_id] = await session.scalar(select(func.max(AuditEntry.version)).where(
                AuditEntry.aggregate_type == ENTRY_AGGREGATE, AuditEntry.aggregate_id == entry_id)) or 0
        return self.last_versions[entry_id]


async def read_ahead(session: AsyncSession, sources: list[Source]) -> BatchReads:
    """Everything applying these sources will look at, in one query per table."""
    reads = BatchReads()
    wanted = {(s.kind, s.id) for s in sources} | {("supplier", o) for o in map(owner_of, sources) if o}
    reads.sources = dict.fromkeys(wanted)
    rows = await session.execute(select(SourceRecord).where(SourceRecord.id.in_({key[1] for key in wanted})))
    for row in rows.scalars():
        reads.sources[(row.kind, row.id)] = row
    entry_ids = {f"{ENTRY_TYPES[s.kind]}:{s.id}" for s in sources if s.kind in ENTRY_TYPES}
    if not entry_ids:
        return reads
    reads.entries = dict.fromkeys(entry_ids)
    for row in (await session.execute(select(RegistryEntry).where(RegistryEntry.id.in_(entry_ids)))).scalars():
        reads.entries[row.id] = row
    new = [entry_id for entry_id, row in reads.entries.items() if row is None]
    reads.last_versions = dict.fromkeys(new, 0)
    if new:
        rows = await session.execute(select(AuditEntry.aggregate_id, func.max(AuditEntry.version)).where(
            AuditEntry.aggregate_type == ENTRY_AGGREGATE, AuditEntry.aggregate_id.in_(new))
            .group_by(AuditEntry.aggregate_id))
        reads.last_versions.update({entry_id: version or 0 for entry_id, version in rows.all()})
    return reads
