"""Queries over the accreditation and supplier projections."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from training.supplier.models import AccreditationProjection, SupplierProjection


async def get_accreditation(session: AsyncSession, accreditation_id: str) -> AccreditationProjection | None:
    return await session.get(AccreditationProjection, accreditation_id)


async def accreditations_of(session: AsyncSession, supplier_id: str) -> list[AccreditationProjection]:
    """Every projected accreditation of the supplier, by id."""
    statement = (select(AccreditationProjection).where(AccreditationProjection.supplier_id == supplier_id)
                 .order_by(AccreditationProjection.id))
    return list((await session.execute(statement)).scalars().all())


async def provider_names(session: AsyncSession, supplier_ids: set[str]) -> dict[str, str]:
    """Trading (or else legal) names of the suppliers the projection knows, by id."""
    if not supplier_ids:
        return {}
    rows = (await session.execute(select(SupplierProjection).where(SupplierProjection.id.in_(supplier_ids))))
    return {s.id: s.trading_name or s.legal_name for s in rows.scalars().all()}
