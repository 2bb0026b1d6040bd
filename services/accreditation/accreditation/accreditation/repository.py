"""Queries over the accreditations table."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accreditation.accreditation.lifecycle import NOT_ENDED
from accreditation.accreditation.models import Accreditation
from servicekit.pagination import paginate


async def get(session: AsyncSession, accreditation_id: str) -> Accreditation | None:
    return await session.get(Accreditation, accreditation_id)


async def list_page(session: AsyncSession, *, supplier_id: str | None, status: str | None, area: str | None,
                    cursor: str | None, limit: int) -> tuple[list[Accreditation], str | None]:
    """Accreditations matching the filters, newest first."""
    statement = select(Accreditation)
    if supplier_id:
        statement = statement.where(Accreditation.supplier_id == supplier_id)
    if status:
        statement = statement.where(Accreditation.status == status)
    if area:
        statement = statement.where(Accreditation.area_codes.contains(f",{area},"))
    return await paginate(session, statement, order=[Accreditation.created_at.desc(), Accreditation.id.desc()],
                          cursor=cursor, limit=limit)


async def of_supplier(session: AsyncSession, supplier_id: str, *, statuses: tuple[str, ...],
                      suspended_reason: str | None = None) -> list[Accreditation]:
    """The supplier's accreditations in these statuses (and, when given, suspended for this reason)."""
    statement = select(Accreditation).where(Accreditation.supplier_id == supplier_id,
                                            Accreditation.status.in_(statuses))
    if suspended_reason:
        statement = statement.where(Accreditation.suspended_reason == suspended_reason)
    statement = statement.order_by(Accreditation.created_at, Accreditation.id)
    return list((await session.execute(statement)).scalars().all())


async def due_for_renewal(session: AsyncSession, *, today: date, lock: bool, limit: int = 500) -> list[Accreditation]:
    """Active accreditations inside their renewal notice (not yet expired); locked and skipped by other
    replicas on PostgreSQL."""
    statement = (select(Accreditation)
                 .where(Accreditation.status == "active", Accreditation.renewal_due_on <= today,
                        Accreditation.expires_on > today)
                 .order_by(Accreditation.renewal_due_on, Accreditation.id).limit(limit))
    return await _take(session, statement, lock)


async def due_to_expire(session: AsyncSession, *, today: date, lock: bool, limit: int = 500) -> list[Accreditation]:
    """Accreditations not yet ended whose expiry date has come; locked and skipped by other replicas."""
    statement = (select(Accreditation)
                 .where(Accreditation.status.in_(NOT_ENDED), Accreditation.expires_on <= today)
                 .order_by(Accreditation.expires_on, Accreditation.id).limit(limit))
    return await _take(session, statement, lock)


async def _take(session: AsyncSession, statement, lock: bool) -> list[Accreditation]:
    if lock:
        statement = statement.with_for_update(skip_locked=True)
    return list((await session.execute(statement)).scalars().all())
