"""Rules of accreditations. Every change writes the row, its audit entry and its event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from accreditation.accreditation import repository
from accreditation.accreditation.lifecycle import (ACCREDITATION_LIFECYCLE, SHOW_CAUSE, SUPPLIER, SUPPLIER_ACTIONS,
                                                   settled_status)
from accreditation.accreditation.models import Accreditation, accreditation_state, area_codes
from accreditation.supplier import repository as suppliers
from events.accreditation import (AccreditationEvent, AccreditationExpired, AccreditationGranted,
                                  AccreditationReinstated, AccreditationRenewalDue, AccreditationRenewed,
                                  AccreditationRevoked, AccreditationSurrendered, AccreditationSuspended)
from servicekit.changes import ChangeRecorder
from servicekit.identity import Identity
from servicekit.lifecycle import SYSTEM
from servicekit.problems import forbidden, not_found

AGGREGATE = "accreditation"
EVENTS: dict[str, type[AccreditationEvent]] = {
    "flag-renewal": AccreditationRenewalDue, "renew": AccreditationRenewed, "suspend": AccreditationSuspended,
    "reinstate": AccreditationReinstated, "revoke": AccreditationRevoked, "surrender": AccreditationSurrendered,
    "expire": AccreditationExpired,
}
# Who may read an accreditation's history (its reasons may be sensitive): its supplier and operators.
HISTORY_READERS = ("assessor", "admin")

CHANGES = ChangeRecorder(AGGREGATE,
                         snapshot=lambda accreditation: {"accreditation": accreditation_state(accreditation)})


def owns(identity: Identity, accreditation: Accreditation) -> bool:
    """Whether the caller is the accreditation's own supplier."""
    return identity.has_role("supplier") and identity.supplier_id == accreditation.supplier_id


async def get(session: AsyncSession, accreditation_id: str) -> Accreditation:
    """The accreditation (public), or 404."""
    accreditation = await repository.get(session, accreditation_id)
    if accreditation is None:
        raise not_found("accreditation", accreditation_id)
    return accreditation


def check_history_reader(identity: Identity, accreditation: Accreditation) -> None:
    """403 unless the caller is the accreditation's supplier, an assessor or an admin."""
    if not (identity.has_role(*HISTORY_READERS) or owns(identity, accreditation)):
        raise forbidden("an accreditation's history is for its supplier, assessors and admins")


async def grant(session: AsyncSession, *, application, actor: Identity, now: datetime) -> Accreditation:
    """The accreditation an approved initial application names, active for three years from today."""
    today = now.date()
    accreditation = Accreditation(id=application.accreditation_id, supplier_id=application.supplier_id, application_id=application.id,
                                  training_areas=list(application.training_areas),
                                  area_codes=area_codes(application.training_areas),
                                  audiences=list(application.audiences), status="active", granted_on=today,
                                  expires_on=today, renewal_due_on=today, version=1, created_at=now, updated_at=now)
    accreditation.start_period(today)
    CHANGES.record(session, accreditation, AccreditationGranted, action="grant", actor=actor.subject, at=now,
                   from_state=None, reason=application.decision_reason)
    return accreditation


async def apply_transition(session: AsyncSession, *, accreditation: Accreditation, action: str,
                           actor: Identity | None, now: datetime, reason: str | None = None,
                           renewal=None) -> Accreditation:
    """Move the accreditation along its life cycle (actor None = the service itself), if the table allows it.
    `renewal` is the approved renewal application whose scope a renewal takes on."""
    if (actor is not None and action in SUPPLIER_ACTIONS and actor.has_role("supplier")
            and not owns(actor, accreditation)):
        raise forbidden(f"only the supplier this accreditation belongs to may {action} it")
    supplier_status = await suppliers.status_of(session, accreditation.supplier_id)
    move = ACCREDITATION_LIFECYCLE.check(action, accreditation, actor, reason=reason,
                                         context={"supplier_status": supplier_status})
    from_state = accreditation.status
    today = now.date()
    if action == "renew":
        _renew(accreditation, renewal, today)
    accreditation.status = settled_status(move.target, accreditation, today)
    if action == "suspend":
        accreditation.suspended_reason = SUPPLIER if actor is None else SHOW_CAUSE
    elif accreditation.status != "suspended":
        accreditation.suspended_reason = None
    accreditation.status_reason = reason if action in ("suspend", "revoke", "surrender") else None
    accreditation.version += 1
    accreditation.updated_at = now
    CHANGES.record(session, accreditation, EVENTS[action], action=action, actor=actor.subject if actor else SYSTEM,
                   at=now, from_state=from_state, reason=reason)
    return accreditation


def _renew(accreditation: Accreditation, renewal, today) -> None:
    """A new three-year period from today; a renewal application brings its scope along."""
    accreditation.renewed_on = today
    accreditation.start_period(today)
    if renewal is not None:
        accreditation.application_id = renewal.id
        accreditation.training_areas = list(renewal.training_areas)
        accreditation.area_codes = area_codes(renewal.training_areas)
        accreditation.audiences = list(renewal.audiences)
