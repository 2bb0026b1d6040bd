"""Queries over the suppliers table."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.pagination import paginate
from suppliers.supplier.models import Supplier


async def get(session: AsyncSession, supplier_id: str) -> Supplier | None:
    """One supplier by id."""
    return await session.get(Supplier, supplier_id)


async def find_by_nzbn(session: AsyncSession, nzbn: str) -> Supplier | None:
    """The supplier holding this NZBN, if any."""
    return await session.scalar(select(Supplier).where(Supplier.nzbn == nzbn))


async def list_page(session: AsyncSession, *, status: str | None, size: str | None, maori_business: bool | None,
                    pasifika_business: bool | None, text: str | None, only_id: str | None, cursor: str | None,
                    limit: int) -> tuple[list[Supplier], str | None]:
    """Suppliers matching the filters, by legal name."""
    statement = select(Supplier)
    if only_id:
        statement = statement.where(Supplier.id == only_id)
    if status:
        statement = statement.where(Supplier.status == status)
    if size:
        statement = statement.where(Supplier.size == size)
    if maori_business is not None:
        statement = statement.where(Supplier.maori_business == maori_business)
    if pasifika_business is not None:
        statement = statement.where(Supplier.pasifika_business == pasifika_business)
    if text:
        pattern = f"%{text.lower()}%"
        statement = statement.where(or_(Supplier.legal_name.ilike(pattern), Supplier.trading_name.ilike(pattern)))
    return await paginate(session, statement, order=[Supplier.legal_name, Supplier.id], cursor=cursor, limit=limit)
