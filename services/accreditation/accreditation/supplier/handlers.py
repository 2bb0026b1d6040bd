"""Keeps the supplier projection from its events (the latest snapshot wins), and in the same transaction
suspends or reinstates the supplier's accreditations as its status changes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from accreditation.accreditation import handlers as accreditations
from accreditation.supplier.models import SupplierProjection
from events.suppliers import SupplierEvent
from servicekit.clock import Clock
from servicekit.projection import keep_snapshot


def supplier_handler(clock: Clock):
    """The handler of supplier events, telling time by the service's clock."""

    async def apply_supplier_event(session: AsyncSession, event: SupplierEvent) -> None:
        """Insert or replace the supplier's row, and let its accreditations follow its status."""
        state = event.supplier
        await keep_snapshot(session, SupplierProjection, event, state)
        await accreditations.follow_supplier(session, state.id, state.status, now=clock.now())

    return apply_supplier_event
