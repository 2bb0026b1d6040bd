"""Keeps the supplier and agreement projections from their events (the latest snapshot wins), and in
the same transaction suspends or publishes again the supplier's offerings as its eligibility changes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from events.suppliers import AgreementEvent, SupplierEvent
from catalogue.supplier.models import AgreementProjection, SupplierProjection
from catalogue.offering import handlers as offerings
from servicekit.clock import Clock
from servicekit.consumer import Handler
from servicekit.projection import keep_snapshot


def eligibility_handlers(clock: Clock) -> tuple[Handler, Handler]:
    """The handlers of supplier and agreement events, telling "today" by the service's clock."""

    async def apply_supplier_event(session: AsyncSession, event: SupplierEvent) -> None:
        """Insert or replace the supplier's row with the snapshot the event carries."""
        state = event.supplier
        await keep_snapshot(session, SupplierProjection, event, state)
        await _follow(session, state.id, clock)

    async def apply_agreement_event(session: AsyncSession, event: AgreementEvent) -> None:
        """Insert or replace the agreement's row with the snapshot the event carries."""
        state = event.agreement
        await keep_snapshot(session, AgreementProjection, event, state)
        await _follow(session, state.supplier_id, clock)

    return apply_supplier_event, apply_agreement_event


async def _follow(session: AsyncSession, supplier_id: str, clock: Clock) -> None:
    """Let the supplier's offerings follow its eligibility as the projection now has it."""
    now = clock.now()
    await offerings.follow_eligibility(session, supplier_id, today=now.date(), now=now)
