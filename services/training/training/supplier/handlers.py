"""Keeps the accreditation and supplier projections from their events (the latest snapshot wins; the
consumer has already dropped stale versions), and in the same transaction lets the provider's courses
follow its accreditations."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from events.accreditation import AccreditationEvent
from events.suppliers import SupplierEvent
from servicekit.clock import Clock
from servicekit.consumer import Handler
from servicekit.projection import keep_snapshot
from training.course import handlers as courses
from training.supplier.models import AccreditationProjection, SupplierProjection


def accreditation_handler(clock: Clock) -> Handler:
    """The handler of accreditation events, telling time by the service's clock."""

    async def apply_accreditation_event(session: AsyncSession, event: AccreditationEvent) -> None:
        """Insert or replace the accreditation's row, then suspend, withdraw or publish again its courses."""
        state = event.accreditation
        await keep_snapshot(session, AccreditationProjection, event, state)
        await courses.follow_accreditations(session, state.supplier_id, now=clock.now())

    return apply_accreditation_event


async def apply_supplier_event(session: AsyncSession, event: SupplierEvent) -> None:
    """Insert or replace the supplier's row with the snapshot the event carries."""
    state = event.supplier
    await keep_snapshot(session, SupplierProjection, event, state)
