"""Keeps the supplier projection from its events (the latest snapshot wins), and in the same transaction
suspends or reinstates the supplier's accreditations as its status changes."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy.ext.asyncio import AsyncSession

from accreditation.accreditation import service as accreditations
from accreditation.supplier.models import SupplierProjection
from events.suppliers import SupplierEvent
from servicekit.clock import Clock


def supplier_handler(clock: Clock):
    """The handler of supplier events, telling time by the service's clock."""

    async def apply_supplier_event(session: AsyncSession, event: SupplierEvent) -> None:
        """Insert or replace the supplier's row, and let its accreditations follow its status."""
        state = event.supplier
        row = (await session.get(SupplierProjection, state.id)
               or SupplierProjection(id=state.id, version=0, changed_at=event.occurred_at))
        row.legal_name = state.legal_name
        row.trading_name = state.trading_name
        row.status = state.status
        row.version = event.version
        row.changed_at = event.occurred_at
        row.applied_at = datetime.now(timezone.utc)
        session.add(row)
        await session.flush()
        await accreditations.follow_supplier(session, state.id, state.status, now=clock.now())

    return apply_supplier_event
