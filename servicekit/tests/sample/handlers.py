"""Consumer side of the sample: keep a projection of note events and count how often each applies."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from events.suppliers import SupplierEvent
from servicekit.tests.sample.models import SampleProjection

POISON = "poison"


async def apply_note_event(session: AsyncSession, event: SupplierEvent) -> None:
    """Replace the projection row with the event's snapshot; a title of "poison" always fails."""
    if event.supplier.legal_name == POISON:
        raise RuntimeError(f"cannot apply {event.aggregate_id}: poisoned")
    row = await session.get(SampleProjection, event.aggregate_id) or SampleProjection(
        id=event.aggregate_id, title=event.supplier.legal_name, version=0)
    row.title = event.supplier.legal_name
    row.version = event.version
    row.applied += 1
    session.add(row)
