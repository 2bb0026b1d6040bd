"""Keeps the accreditation and supplier projections from their events (the latest snapshot wins; the
consumer has already dropped stale versions), and in the same transaction lets the provider's courses
follow its accreditations."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy.ext.asyncio import AsyncSession

from events.accreditation import AccreditationEvent
from events.suppliers import SupplierEvent
from training.course import follow
from training.providers.models import AccreditationProjection, SupplierProjection


async def apply_accreditation_event(session: AsyncSession, event: AccreditationEvent) -> None:
    """Insert or replace the accreditation's row, then suspend, withdraw or publish again its courses."""
    state = event.accreditation
    row = await session.get(AccreditationProjection, state.id) or AccreditationProjection(
        id=state.id, supplier_id=state.supplier_id, version=0, expires_on=state.expires_on,
        changed_at=event.occurred_at, applied_at=event.occurred_at)
    row.supplier_id = state.supplier_id
    row.training_areas = list(state.training_areas)
    row.audiences = list(state.audiences)
    row.status = state.status
    row.expires_on = state.expires_on
    row.version = event.version
    row.changed_at = event.occurred_at
    row.applied_at = datetime.now(timezone.utc)
    session.add(row)
    await session.flush()
    await follow.follow_accreditations(session, state.supplier_id, now=datetime.now(timezone.utc))


async def apply_supplier_event(session: AsyncSession, event: SupplierEvent) -> None:
    """Insert or replace the supplier's row with the snapshot the event carries."""
    state = event.supplier
    row = await session.get(SupplierProjection, state.id) or SupplierProjection(
        id=state.id, legal_name=state.legal_name, status=state.status, version=0,
        changed_at=event.occurred_at, applied_at=event.occurred_at)
    row.legal_name = state.legal_name
    row.trading_name = state.trading_name
    row.status = state.status
    row.version = event.version
    row.changed_at = event.occurred_at
    row.applied_at = datetime.now(timezone.utc)
    session.add(row)
