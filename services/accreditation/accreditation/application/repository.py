"""Queries over the applications table."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accreditation.application.models import Application
from servicekit.pagination import paginate


async def get(session: AsyncSession, application_id: str) -> Application | None:
    return await session.get(Application, application_id)


async def list_page(session: AsyncSession, *, supplier_id: str | None, status: str | None, kind: str | None,
                    cursor: str | None, limit: int) -> tuple[list[Application], str | None]:
    """Applications matching the filters, newest first."""
    statement = select(Application)
    if supplier_id:
        statement = statement.where(Application.supplier_id == supplier_id)
    if status:
        statement = statement.where(Application.status == status)
    if kind:
        statement = statement.where(Application.kind == kind)
    return await paginate(session, statement, order=[Application.created_at.desc(), Application.id.desc()],
                          cursor=cursor, limit=limit)
