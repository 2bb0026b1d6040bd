"""Accreditations following their supplier's status: a supplier event updates the projection, and in the same
transaction the supplier's accreditations are suspended or reinstated."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from accreditation.accreditation import repository, service
from accreditation.accreditation.lifecycle import IN_FORCE, SUPPLIER
from accreditation.supplier import handlers as projection
from events.suppliers import SupplierEvent
from servicekit.clock import Clock
from servicekit.consumer import Handler


def supplier_handler(clock: Clock) -> Handler:
    """The handler of supplier events, telling time by the service's clock."""

    async def apply_supplier_event(session: AsyncSession, event: SupplierEvent) -> None:
        """Keep the supplier's snapshot, then let its accreditations follow its status."""
        await projection.keep_supplier(session, event)
        await follow_supplier(session, event.supplier.id, event.supplier.status, now=clock.now())

    return apply_supplier_event


async def follow_supplier(session: AsyncSession, supplier_id: str, supplier_status: str, *, now: datetime) -> int:
    """After the supplier's status changed: suspend its accreditations in force when it is suspended or
    deregistered, and reinstate those suspended for that reason once it is active again. Show-cause
    suspensions stay. Returns how many accreditations changed."""
    if supplier_status in ("suspended", "deregistered"):
        affected = await repository.of_supplier(session, supplier_id, statuses=IN_FORCE)
        for accreditation in affected:
            await service.apply_transition(session, accreditation=accreditation, action="suspend", actor=None,
                                           now=now, reason=f"the supplier is {supplier_status}")
        return len(affected)
    if supplier_status == "active":
        affected = await repository.of_supplier(session, supplier_id, statuses=("suspended",),
                                                suspended_reason=SUPPLIER)
        for accreditation in affected:
            await service.apply_transition(session, accreditation=accreditation, action="reinstate", actor=None,
                                           now=now, reason="the supplier is active again")
        return len(affected)
    return 0
