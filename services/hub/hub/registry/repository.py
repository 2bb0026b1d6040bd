"""Queries over the registry tables."""

from __future__ import annotations

from collections.abc import AsyncIterator

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.registry.models import RegistryEntry, SourceRecord
from hub.registry.projection import SOURCE_KINDS
from servicekit.db import Database
from servicekit.pagination import paginate

EXPORT_BATCH = 500


async def sources_of_supplier(session: AsyncSession, supplier_id: str) -> list[SourceRecord]:
    """The sources of every marketplace entry of a supplier (their names carry the supplier's)."""
    rows = (await session.execute(select(RegistryEntry.type, RegistryEntry.source_id).where(
        RegistryEntry.supplier_id == supplier_id, RegistryEntry.type.in_(SOURCE_KINDS)))).all()
    found = [await session.get(SourceRecord, (SOURCE_KINDS[type_], source_id)) for type_, source_id in rows]
    return [record for record in found if record is not None]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filtered(*, type_: str | None = None, category: str | None = None, agency: str | None = None,
             supplier_id: str | None = None, text: str | None = None, include_left: bool = False):
    """The entries matching the filters (listed ones only unless `include_left`)."""
    statement = select(RegistryEntry)
    if not include_left:
        statement = statement.where(RegistryEntry.listed.is_(True))
    if type_:
        statement = statement.where(RegistryEntry.type == type_)
    if category:
        statement = statement.where(or_(RegistryEntry.category == category, RegistryEntry.category_keys.like(
            f"%|{_escape_like(category)}|%", escape="\\")))
    if agency:
        statement = statement.where(func.lower(RegistryEntry.agency) == agency.lower())
    if supplier_id:
        statement = statement.where(RegistryEntry.supplier_id == supplier_id)
    for word in (text or "").lower().split():
        statement = statement.where(RegistryEntry.search_text.like(f"%{_escape_like(word)}%", escape="\\"))
    return statement


# The orders a page of entries comes in; each ends with the id, so a cursor is exact.
ENTRY_ORDERS = {"name": [RegistryEntry.name, RegistryEntry.id],
                "newest": [RegistryEntry.first_listed_at.desc(), RegistryEntry.id.desc()]}


async def list_page(session: AsyncSession, *, cursor: str | None, limit: int, sort: str = "name",
                    **filters) -> tuple[list, str | None]:
    """One page of matching entries, by name or the most recently listed first."""
    statement = filtered(**filters)
    if sort == "newest":  # an entry that left before it was ever listed has no place in this order
        statement = statement.where(RegistryEntry.first_listed_at.is_not(None))
    return await paginate(session, statement, order=ENTRY_ORDERS[sort], cursor=cursor, limit=limit)


async def listed_in_batches(database: Database, batch: int | None = None) -> AsyncIterator[list[RegistryEntry]]:
    """Every listed entry, by id, a batch per short read transaction (for exports that stream)."""
    batch = batch or EXPORT_BATCH
    after = ""
    while True:
        async with database.sessions() as session:
            rows = list((await session.execute(
                select(RegistryEntry).where(RegistryEntry.listed.is_(True), RegistryEntry.id > after)
                .order_by(RegistryEntry.id).limit(batch))).scalars().all())
        if not rows:
            return
        yield rows
        if len(rows) < batch:
            return
        after = rows[-1].id
