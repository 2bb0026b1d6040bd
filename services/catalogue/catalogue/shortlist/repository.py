"""Queries over shortlists and their items."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.supplier.models import SupplierProjection
from catalogue.offering.models import Offering
from catalogue.shortlist.models import Shortlist, ShortlistItem
from servicekit.pagination import paginate


async def get(session: AsyncSession, shortlist_id: str) -> Shortlist | None:
    return await session.get(Shortlist, shortlist_id)


async def list_page(session: AsyncSession, *, owner: str | None = None, agency: str | None = None,
                    cursor: str | None, limit: int) -> tuple[list[Shortlist], str | None]:
    """The owner's shortlists, or the agency's, newest first."""
    statement = select(Shortlist)
    if owner is not None:
        statement = statement.where(Shortlist.owner == owner)
    if agency is not None:
        statement = statement.where(func.lower(Shortlist.agency) == agency.lower())
    return await paginate(session, statement, order=[Shortlist.created_at.desc(), Shortlist.id.desc()],
                          cursor=cursor, limit=limit)


async def items_of(session: AsyncSession, shortlist_id: str) -> list[ShortlistItem]:
    """The shortlist's items, first added first."""
    statement = (select(ShortlistItem).where(ShortlistItem.shortlist_id == shortlist_id)
                 .order_by(ShortlistItem.added_at, ShortlistItem.offering_id))
    return list((await session.execute(statement)).scalars().all())


async def get_item(session: AsyncSession, shortlist_id: str, offering_id: str) -> ShortlistItem | None:
    return await session.get(ShortlistItem, (shortlist_id, offering_id))


async def offerings_by_id(session: AsyncSession, ids: list[str]) -> dict[str, Offering]:
    """The offerings with these ids, in one query."""
    rows = (await session.execute(select(Offering).where(Offering.id.in_(ids)))).scalars().all() if ids else []
    return {offering.id: offering for offering in rows}


async def supplier_names(session: AsyncSession, ids: set[str]) -> dict[str, str]:
    """Trading (or else legal) names of these suppliers, in one query."""
    if not ids:
        return {}
    rows = (await session.execute(select(SupplierProjection).where(SupplierProjection.id.in_(ids)))).scalars()
    return {s.id: s.trading_name or s.legal_name for s in rows}


async def delete_shortlist(session: AsyncSession, shortlist: Shortlist) -> None:
    await session.execute(delete(ShortlistItem).where(ShortlistItem.shortlist_id == shortlist.id))
    await session.delete(shortlist)
