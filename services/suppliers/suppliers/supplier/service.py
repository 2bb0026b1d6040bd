"""Rules of the supplier life cycle. Every change writes the row, its audit entry and its event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from events.suppliers import SupplierEvent, SupplierRegistered
from servicekit.history import record_change
from servicekit.identity import Identity
from servicekit.outbox import emit
from servicekit.problems import conflict
from suppliers.supplier import repository
from suppliers.supplier.models import Supplier, SupplierCreate, supplier_state

AGGREGATE = "supplier"


def org_id_for(nzbn: str | None, country: str | None, registration_id: str | None) -> str:
    """Organisation identifier in org-id form."""
    if nzbn:
        return f"NZ-NZBN-{nzbn}"
    return f"{country}-REG-{registration_id}"


def _record(session: AsyncSession, supplier: Supplier, event_type: type[SupplierEvent], *, action: str,
            actor: str, at: datetime, from_state: str | None, reason: str | None = None,
            changes: dict | None = None) -> None:
    """Audit row and outbox event for a change already applied to `supplier`."""
    record_change(session, aggregate_type=AGGREGATE, aggregate_id=supplier.id, version=supplier.version,
                  action=action, actor=actor, at=at, from_state=from_state, to_state=supplier.status,
                  reason=reason, changes=changes)
    emit(session, event_type(aggregate_id=supplier.id, version=supplier.version, occurred_at=at, actor=actor,
                             reason=reason, supplier=supplier_state(supplier)))


async def register(session: AsyncSession, *, supplier_in: SupplierCreate, actor: Identity, now: datetime) -> Supplier:
    """Create a supplier awaiting verification; 409 when its NZBN is already registered."""
    if supplier_in.nzbn and await repository.find_by_nzbn(session, supplier_in.nzbn):
        raise conflict(f"a supplier with NZBN {supplier_in.nzbn} is already registered", nzbn=supplier_in.nzbn)
    data = supplier_in.model_dump(mode="json")
    supplier = Supplier(**data, org_id=org_id_for(supplier_in.nzbn, supplier_in.country, supplier_in.registration_id),
                        status="pending_verification", version=1, created_at=now, updated_at=now)
    session.add(supplier)
    _record(session, supplier, SupplierRegistered, action="register", actor=actor.subject, at=now, from_state=None)
    return supplier
