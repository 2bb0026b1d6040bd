"""Queries over the agreements table."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.pagination import paginate
from suppliers.agreement.models import Agreement


async def get(session: AsyncSession, agreement_id: str) -> Agreement | None:
    return await session.get(Agreement, agreement_id)


async def list_page(session: AsyncSession, *, supplier_id: str | None, status: str | None, type_: str | None,
                    cursor: str | None, limit: int) -> tuple[list[Agreement], str | None]:
    """Agreements matching the filters, newest first."""
    statement = select(Agreement)
    if supplier_id:
        statement = statement.where(Agreement.supplier_id == supplier_id)
    if status:
        statement = statement.where(Agreement.status == status)
    if type_:
        statement = statement.where(Agreement.type == type_)
    return await paginate(session, statement, order=[Agreement.created_at.desc(), Agreement.id.desc()],
                          cursor=cursor, limit=limit)


async def due_to_expire(session: AsyncSession, *, today: date, lock: bool, limit: int = 500) -> list[Agreement]:
    """Agreements in force whose end date has passed; locked and skipped by other replicas on PostgreSQL."""
    statement = (select(Agreement).where(Agreement.status.in_(("active", "suspended")), Agreement.end_date < today)
                 .order_by(Agreement.end_date, Agreement.id).limit(limit))
    if lock:
        statement = statement.with_for_update(skip_locked=True)
    return list((await session.execute(statement)).scalars().all())
