"""Queries over the assistant's read model."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assistant.record.models import CategoryRecord, SearchRecord, SupplierRecord


async def active_categories(session: AsyncSession) -> list[CategoryRecord]:
    statement = select(CategoryRecord).where(CategoryRecord.status == "active").order_by(CategoryRecord.id)
    return list((await session.execute(statement)).scalars().all())


async def live_records(session: AsyncSession, kinds: list[str]) -> list[SearchRecord]:
    """The live records of these kinds, by id."""
    statement = (select(SearchRecord).where(SearchRecord.live.is_(True), SearchRecord.kind.in_(kinds))
                 .order_by(SearchRecord.id))
    return list((await session.execute(statement)).scalars().all())


async def suppliers(session: AsyncSession, ids: set[str]) -> dict[str, SupplierRecord]:
    if not ids:
        return {}
    rows = (await session.execute(select(SupplierRecord).where(SupplierRecord.id.in_(ids)))).scalars().all()
    return {row.id: row for row in rows}
