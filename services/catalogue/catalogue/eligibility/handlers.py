"""Keeps the supplier projection from supplier events (the latest snapshot wins)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy.ext.asyncio import AsyncSession

from events.suppliers import SupplierEvent
from catalogue.eligibility.models import SupplierProjection


async def apply_supplier_event(session: AsyncSession, event: SupplierEvent) -> None:
    """Insert or replace the supplier's row with the snapshot the event carries."""
    state = event.supplier
    row = await session.get(SupplierProjection, state.id) or SupplierProjection(id=state.id, version=0,
                                                                                 changed_at=event.occurred_at)
    row.legal_name = state.legal_name
    row.trading_name = state.trading_name
    row.org_id = state.org_id
    row.size = state.size
    row.maori_business = state.maori_business
    row.pasifika_business = state.pasifika_business
    row.status = state.status
    row.version = event.version
    row.changed_at = event.occurred_at
    row.applied_at = datetime.now(timezone.utc)
    session.add(row)
