"""Keeps the supplier projection from its events: the latest snapshot wins. What follows from a change
(accreditations suspended or reinstated) is the accreditation domain's, in accreditation/handlers.py."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from accreditation.supplier.models import SupplierProjection
from events.suppliers import SupplierEvent
from servicekit.projection import keep_snapshot


async def keep_supplier(session: AsyncSession, event: SupplierEvent) -> None:
    """Insert or replace the supplier's row with the snapshot the event carries."""
    state = event.supplier
    await keep_snapshot(session, SupplierProjection, event, state)
