"""Queries over the supplier projection."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from accreditation.supplier.models import SupplierProjection


async def get(session: AsyncSession, supplier_id: str) -> SupplierProjection | None:
    return await session.get(SupplierProjection, supplier_id)


async def status_of(session: AsyncSession, supplier_id: str) -> str:
    """The supplier's status as last announced, or "unknown" before its first event arrived."""
    supplier = await get(session, supplier_id)
    return supplier.status if supplier else "unknown"
