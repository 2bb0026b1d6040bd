"""Queries over the offerings table."""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.offering.models import Offering
from servicekit.pagination import paginate

# States anyone may see; the others only the offering's supplier, assessors and admins.
PUBLIC_STATES = ("published", "suspended", "withdrawn", "retired")


async def get(session: AsyncSession, offering_id: str) -> Offering | None:
    """One offering by id."""
    return await session.get(Offering, offering_id)


async def list_page(session: AsyncSession, *, everything: bool, own_supplier_id: str | None, status: str | None,
                    supplier_id: str | None, cursor: str | None, limit: int) -> tuple[list[Offering], str | None]:
    """Offerings matching the filters, newest first. Without `everything`, published ones and, for a
    supplier, its own in any state."""
    statement = select(Offering)
    if not everything:
        visible = Offering.status == "published"
        if own_supplier_id:
            visible = or_(visible, Offering.supplier_id == own_supplier_id)
        statement = statement.where(visible)
    if status:
        statement = statement.where(Offering.status == status)
    if supplier_id:
        statement = statement.where(Offering.supplier_id == supplier_id)
    return await paginate(session, statement, order=[Offering.created_at.desc(), Offering.id.desc()],
                          cursor=cursor, limit=limit)


async def eligibility_bound(session: AsyncSession, supplier_id: str) -> list[Offering]:
    """The supplier's offerings that eligibility can move: published ones, and those the catalogue
    suspended for lost eligibility."""
    statement = (select(Offering)
                 .where(Offering.supplier_id == supplier_id,
                        or_(Offering.status == "published",
                            and_(Offering.status == "suspended", Offering.suspended_reason == "eligibility")))
                 .order_by(Offering.created_at, Offering.id))
    return list((await session.execute(statement)).scalars().all())
