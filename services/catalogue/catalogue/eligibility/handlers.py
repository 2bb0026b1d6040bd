"""Keeps the supplier and agreement projections from their events (the latest snapshot wins), and in
the same transaction suspends or publishes again the supplier's offerings as its eligibility changes."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy.ext.asyncio import AsyncSession

from events.suppliers import AgreementEvent, SupplierEvent
from catalogue.eligibility.models import AgreementProjection, SupplierProjection
from catalogue.offering import service as offerings


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
    await _follow(session, row.id)


async def apply_agreement_event(session: AsyncSession, event: AgreementEvent) -> None:
    """Insert or replace the agreement's row with the snapshot the event carries."""
    state = event.agreement
    row = await session.get(AgreementProjection, state.id) or AgreementProjection(
        id=state.id, supplier_id=state.supplier_id, version=0, changed_at=event.occurred_at)
    row.supplier_id = state.supplier_id
    row.type = state.type
    row.scope = list(state.scope)
    row.start_date = state.start_date
    row.end_date = state.end_date
    row.status = state.status
    row.version = event.version
    row.changed_at = event.occurred_at
    row.applied_at = datetime.now(timezone.utc)
    session.add(row)
    await _follow(session, row.supplier_id)


async def _follow(session: AsyncSession, supplier_id: str) -> None:
    """Let the supplier's offerings follow its eligibility as the projection now has it."""
    await session.flush()
    now = datetime.now(timezone.utc)
    await offerings.follow_eligibility(session, supplier_id, today=now.date(), now=now)
