"""Queries over the catalogue's supplier and agreement projections."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.supplier.models import AgreementProjection, SupplierProjection
from servicekit.pagination import paginate


async def get_supplier(session: AsyncSession, supplier_id: str) -> SupplierProjection | None:
    return await session.get(SupplierProjection, supplier_id)


async def list_suppliers(session: AsyncSession, *, cursor: str | None,
                         limit: int) -> tuple[list[SupplierProjection], str | None]:
    """Projected suppliers, by id."""
    return await paginate(session, select(SupplierProjection), order=[SupplierProjection.id], cursor=cursor,
                          limit=limit)


async def hold_supplier(session: AsyncSession, supplier_id: str) -> None:
    """Hold the supplier's row until commit (PostgreSQL's row lock, SQLite's write lock), so that checks of
    what the supplier holds, made after it, run one at a time per supplier."""
    await session.execute(update(SupplierProjection).where(SupplierProjection.id == supplier_id)
                          .values(version=SupplierProjection.version).execution_options(synchronize_session=False))


async def agreements_of(session: AsyncSession, supplier_id: str) -> list[AgreementProjection]:
    """Every projected agreement of the supplier, oldest start first."""
    statement = (select(AgreementProjection).where(AgreementProjection.supplier_id == supplier_id)
                 .order_by(AgreementProjection.start_date, AgreementProjection.id))
    return list((await session.execute(statement)).scalars().all())
