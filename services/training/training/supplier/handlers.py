"""Keeps the accreditation and supplier projections from their events: the latest snapshot wins (the
consumer has already dropped stale versions). What follows from an accreditation's change (the provider's
courses suspended, withdrawn or published again) is the course domain's, in course/handlers.py."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from events.accreditation import AccreditationEvent
from events.suppliers import SupplierEvent
from servicekit.projection import keep_snapshot
from training.supplier.models import AccreditationProjection, SupplierProjection


async def keep_accreditation(session: AsyncSession, event: AccreditationEvent) -> str:
    """Insert or replace the accreditation's row with the snapshot the event carries; its provider's id."""
    state = event.accreditation
    await keep_snapshot(session, AccreditationProjection, event, state)
    return state.supplier_id


async def apply_supplier_event(session: AsyncSession, event: SupplierEvent) -> None:
    """Insert or replace the supplier's row with the snapshot the event carries."""
    state = event.supplier
    await keep_snapshot(session, SupplierProjection, event, state)
