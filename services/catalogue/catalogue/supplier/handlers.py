"""Keeps the supplier and agreement projections from their events: the latest snapshot wins. What follows
from a change (offerings suspended or published again) is the offering domain's, in offering/handlers.py."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.supplier.models import AgreementProjection, SupplierProjection
from events.suppliers import AgreementEvent, SupplierEvent
from servicekit.projection import keep_snapshot


async def keep_supplier(session: AsyncSession, event: SupplierEvent) -> str:
    """Insert or replace the supplier's row with the snapshot the event carries; the supplier's id."""
    state = event.supplier
    await keep_snapshot(session, SupplierProjection, event, state)
    return state.id


async def keep_agreement(session: AsyncSession, event: AgreementEvent) -> str:
    """Insert or replace the agreement's row with the snapshot the event carries; its supplier's id."""
    state = event.agreement
    await keep_snapshot(session, AgreementProjection, event, state)
    return state.supplier_id
