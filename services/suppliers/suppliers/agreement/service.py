"""Rules of the agreement life cycle. Every change writes the row, its audit entry and its event."""

from __future__ import annotations

from datetime import datetime

from fastapi.encoders import jsonable_encoder
from sqlalchemy.ext.asyncio import AsyncSession

from events.suppliers import (AgreementActivated, AgreementEvent, AgreementExpired, AgreementOffered,
                              AgreementReinstated, AgreementSigned, AgreementSuspended, AgreementTerminated,
                              AgreementVaried)
from servicekit.changes import ChangeRecorder, refuse_removals
from servicekit.identity import Identity
from servicekit.problems import conflict, not_found
from suppliers.agreement import repository
from suppliers.agreement.lifecycle import AGREEMENT_LIFECYCLE
from suppliers.agreement.models import Agreement, AgreementCreate, Signature, Variation, agreement_state
from suppliers.supplier import repository as suppliers
from suppliers.supplier.service import acts_for

AGGREGATE = "agreement"
SYSTEM_ACTOR = "system"
EVENTS: dict[str, type[AgreementEvent]] = {
    "sign": AgreementSigned, "countersign": AgreementActivated, "vary": AgreementVaried,
    "suspend": AgreementSuspended, "reinstate": AgreementReinstated, "terminate": AgreementTerminated,
    "expire": AgreementExpired,
}


CHANGES = ChangeRecorder(AGGREGATE, snapshot=lambda agreement: {"agreement": agreement_state(agreement)})


async def get_visible(session: AsyncSession, agreement_id: str, identity: Identity) -> Agreement:
    """The agreement, or 404 when it does not exist or belongs to another supplier than the caller."""
    agreement = await repository.get(session, agreement_id)
    if agreement is None or (identity.roles == {"supplier"} and not acts_for(identity, agreement.supplier_id)):
        raise not_found("agreement", agreement_id)
    return agreement


async def offer(session: AsyncSession, *, agreement_in: AgreementCreate, actor: Identity, now: datetime) -> Agreement:
    """The operator offers an agreement to a supplier that has not left the marketplace."""
    supplier = await suppliers.get(session, agreement_in.supplier_id)
    if supplier is None:
        raise not_found("supplier", agreement_in.supplier_id)
    if supplier.status == "deregistered":
        raise conflict("a deregistered supplier cannot be offered an agreement", current_state=supplier.status)
    agreement = Agreement(**agreement_in.model_dump(), status="offered", offered_by=actor.subject,
                          version=1, created_at=now, updated_at=now)
    CHANGES.record(session, agreement, AgreementOffered, action="offer", actor=actor.subject, at=now,
                   from_state="draft")
    return agreement


async def apply_transition(session: AsyncSession, *, agreement: Agreement, action: str, actor: Identity | None,
                           now: datetime, reason: str | None = None, signature: Signature | None = None,
                           variation: Variation | None = None) -> Agreement:
    """Move the agreement along its life cycle (actor None = the scheduler), if the table allows it."""
    supplier = await suppliers.get(session, agreement.supplier_id)
    move = AGREEMENT_LIFECYCLE.check(action, agreement, actor, reason=reason,
                                     context={"supplier_status": supplier.status})
    from_state = agreement.status
    changes = None
    if action == "sign":
        agreement.supplier_signatory = signature.model_dump()
        agreement.supplier_signed_at = now
    elif action == "countersign":
        agreement.countersigned_by = actor.subject
        agreement.countersigned_at = now
    elif action == "vary":
        changes = _vary(agreement, variation, actor, now)
        reason = variation.reason
    agreement.status = move.target
    agreement.version += 1
    agreement.updated_at = now
    CHANGES.record(session, agreement, EVENTS[action], action=action, actor=actor.subject if actor else SYSTEM_ACTOR,
            at=now, from_state=from_state, reason=reason, changes=changes)
    return agreement


def _vary(agreement: Agreement, variation: Variation, actor: Identity, now: datetime) -> dict:
    """Apply a numbered variation and return what it changed."""
    requested = variation.model_dump(mode="json", exclude_unset=True, exclude={"effective_date", "reason"})
    # An agreement always has a scope and an end date (it expires on it), and a strategic partnership its
    # commitments: a variation replaces them, it never removes them.
    refuse_removals(requested)
    if "end_date" in requested and variation.end_date <= agreement.start_date:
        raise conflict("end_date must be after the agreement's start_date")
    changes = jsonable_encoder({name: {"from": getattr(agreement, name), "to": value}
                                for name, value in requested.items()})
    for name, value in requested.items():
        setattr(agreement, name, value if name != "end_date" else variation.end_date)
    number = len(agreement.variations) + 1
    agreement.variations = [*agreement.variations, {
        "number": number, "effective_date": variation.effective_date.isoformat(), "reason": variation.reason,
        "changes": changes, "made_by": actor.subject, "made_at": now.isoformat()}]
    return {"variation": number, **changes}
