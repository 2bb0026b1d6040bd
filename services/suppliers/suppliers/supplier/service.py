"""Rules of the supplier life cycle. Every change writes the row, its audit entry and its event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from events.suppliers import (SupplierDeregistered, SupplierEvent, SupplierRegistered, SupplierReinstated,
                              SupplierSuspended, SupplierUpdated, SupplierVerified)
from servicekit.changes import ChangeRecorder, apply_changes
from servicekit.identity import Identity
from servicekit.problems import Problem, conflict, forbidden, not_found
from suppliers.credential import service as credentials
from suppliers.credential.models import ClientCredentials, ClientStanding, SupplierClient
from suppliers.supplier import repository
from suppliers.supplier.lifecycle import SUPPLIER_LIFECYCLE
from suppliers.supplier.models import Supplier, SupplierCreate, SupplierUpdate, supplier_state

AGGREGATE = "supplier"
EVENTS: dict[str, type[SupplierEvent]] = {
    "verify": SupplierVerified, "suspend": SupplierSuspended, "reinstate": SupplierReinstated,
    "deregister": SupplierDeregistered,
}
# Once verified, who the supplier is and the flags progressive procurement reports on change only by an admin.
ADMIN_ONLY_ONCE_VERIFIED = ("legal_name", "nzbn", "maori_business", "pasifika_business")
# A suspended supplier may still sign in to read its records; a deregistered one may not.
SIGN_IN_STATES = ("pending_verification", "active", "suspended")


def org_id_for(nzbn: str | None, country: str | None, registration_id: str | None) -> str:
    """Organisation identifier in org-id form."""
    if nzbn:
        return f"NZ-NZBN-{nzbn}"
    return f"{country}-REG-{registration_id}"


def acts_for(identity: Identity, supplier_id: str) -> bool:
    """Whether the caller is the supplier itself (by its own credentials)."""
    return identity.has_role("supplier") and identity.supplier_id == supplier_id


def sees_contacts(identity: Identity, supplier_id: str) -> bool:
    """Whether the caller may read a supplier's contacts: staff and the supplier itself."""
    return identity.has_role("admin") or identity.has_role("assessor") or acts_for(identity, supplier_id)


CHANGES = ChangeRecorder(AGGREGATE, snapshot=lambda supplier: {"supplier": supplier_state(supplier)})


async def get_visible(session: AsyncSession, supplier_id: str, identity: Identity) -> Supplier:
    """The supplier, or 404 when it does not exist or the caller is another supplier."""
    supplier = await repository.get(session, supplier_id)
    if supplier is None or (identity.roles == {"supplier"} and not acts_for(identity, supplier_id)):
        raise not_found("supplier", supplier_id)
    return supplier


async def profile(session: AsyncSession, supplier_id: str) -> Supplier:
    """A supplier anyone may read of: one in force (active); 404 for any other, as if it did not exist."""
    supplier = await repository.get(session, supplier_id)
    if supplier is None or supplier.status != "active":
        raise not_found("supplier", supplier_id)
    return supplier


async def register(session: AsyncSession, *, supplier_in: SupplierCreate, actor: Identity,
                   now: datetime) -> tuple[Supplier, ClientCredentials]:
    """Create a supplier awaiting verification, with its API client; 409 when its NZBN is taken."""
    if supplier_in.nzbn and await repository.find_by_nzbn(session, supplier_in.nzbn):
        raise conflict(f"a supplier with NZBN {supplier_in.nzbn} is already registered", nzbn=supplier_in.nzbn)
    data = supplier_in.model_dump(mode="json")
    supplier = Supplier(**data, org_id=org_id_for(supplier_in.nzbn, supplier_in.country, supplier_in.registration_id),
                        status="pending_verification", version=1, created_at=now, updated_at=now)
    session.add(supplier)
    await session.flush()
    client = credentials.issue(session, supplier_id=supplier.id, now=now)
    CHANGES.record(session, supplier, SupplierRegistered, action="register", actor=actor.subject, at=now,
                   from_state=None)
    return supplier, client


async def update(session: AsyncSession, *, supplier: Supplier, changes_in: SupplierUpdate, actor: Identity,
                 now: datetime) -> Supplier:
    """Apply a partial update by the supplier itself or an admin."""
    if not (actor.has_role("admin") or acts_for(actor, supplier.id)):
        raise forbidden("only the supplier itself or an admin may change a supplier")
    if supplier.status == "deregistered":
        raise conflict("a deregistered supplier cannot be changed", current_state=supplier.status)
    requested = changes_in.model_dump(mode="json", exclude_unset=True)
    if supplier.status != "pending_verification" and not actor.has_role("admin"):
        if locked := [name for name in ADMIN_ONLY_ONCE_VERIFIED if name in requested]:
            raise forbidden(f"once verified, only an admin may change {', '.join(locked)}")
    if "nzbn" in requested and supplier.nzbn is None:
        raise Problem(422, "an overseas supplier has no nzbn to change", kind="validation-error",
                      errors=[{"field": "nzbn", "message": "not applicable to an overseas supplier"}])
    if requested.get("nzbn") and requested["nzbn"] != supplier.nzbn:
        if await repository.find_by_nzbn(session, requested["nzbn"]):
            raise conflict(f"a supplier with NZBN {requested['nzbn']} is already registered")
    if not (changed := apply_changes(supplier, requested, now)):
        return supplier
    if "nzbn" in changed:
        supplier.org_id = org_id_for(supplier.nzbn, None, None)
    CHANGES.record(session, supplier, SupplierUpdated, action="update", actor=actor.subject, at=now,
            from_state=supplier.status, changes=changed)
    return supplier


async def apply_transition(session: AsyncSession, *, supplier: Supplier, action: str, actor: Identity,
                           reason: str | None, now: datetime) -> Supplier:
    """Move the supplier along its life cycle, if the table allows it."""
    move = SUPPLIER_LIFECYCLE.check(action, supplier, actor, reason=reason)
    from_state = supplier.status
    supplier.status = move.target
    supplier.version += 1
    supplier.updated_at = now
    CHANGES.record(session, supplier, EVENTS[action], action=action, actor=actor.subject, at=now, from_state=from_state,
            reason=reason)
    return supplier


async def rotate_credentials(session: AsyncSession, *, supplier: Supplier, actor: Identity,
                             now: datetime) -> ClientCredentials:
    """A new client secret for the supplier itself or an admin; the old one stops working."""
    if not (actor.has_role("admin") or acts_for(actor, supplier.id)):
        raise forbidden("only the supplier itself or an admin may rotate its credentials")
    if supplier.status == "deregistered":
        raise conflict("a deregistered supplier has no credentials to rotate", current_state=supplier.status)
    return await credentials.rotate(session, supplier_id=supplier.id, actor=actor, now=now)


async def signed_in(session: AsyncSession, *, client_id: str, client_secret: str) -> SupplierClient | None:
    """The client whose id and secret these are, when its supplier may still sign in."""
    client = await credentials.match(session, client_id=client_id, client_secret=client_secret)
    supplier = client and await session.get(Supplier, client.supplier_id)
    return client if supplier and supplier.status in SIGN_IN_STATES else None


async def client_standing(session: AsyncSession, client_id: str) -> ClientStanding | None:
    """A client's current secret version and whether its supplier may still sign in; None if unknown."""
    client = await session.get(SupplierClient, client_id)
    supplier = client and await session.get(Supplier, client.supplier_id)
    if supplier is None:
        return None
    return ClientStanding(client_id=client.client_id, supplier_id=supplier.id, version=client.version,
                          may_sign_in=supplier.status in SIGN_IN_STATES)
