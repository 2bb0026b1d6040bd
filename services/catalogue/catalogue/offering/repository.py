"""Queries over the offerings table."""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.offering.models import Offering

# States anyone may see; the others only the offering's supplier, assessors and admins.
PUBLIC_STATES = ("published", "suspended", "withdrawn", "retired")


async def get(session: AsyncSession, offering_id: str) -> Offering | None:
    """One offering by id."""
    return await session.get(Offering, offering_id)


async def count_of_supplier(session: AsyncSession, supplier_id: str) -> int:
    """How many offerings the supplier holds, in any state."""
    return await session.scalar(select(func.count()).select_from(Offering).where(Offering.supplier_id == supplier_id))


async def eligibility_bound(session: AsyncSession, supplier_id: str) -> list[Offering]:
    """The supplier's offerings that eligibility can move: published ones, and those the catalogue
    suspended for lost eligibility."""
    statement = (select(Offering)
                 .where(Offering.supplier_id == supplier_id,
                        or_(Offering.status == "published",
                            and_(Offering.status == "suspended", Offering.suspended_reason == "eligibility")))
                 .order_by(Offering.created_at, Offering.id))
    return list((await session.execute(statement)).scalars().all())
