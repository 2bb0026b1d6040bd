"""Rules of offerings. Every change writes the row, its audit entry, its event and what search reads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.assurance import service as assurance
from catalogue.assurance.service import Standing
from catalogue.category import repository as categories
from catalogue.supplier import repository as eligibility_repository
from catalogue.supplier import service as eligibility
from catalogue.offering import repository
from catalogue.offering.lifecycle import NEEDS_ELIGIBILITY, OFFERING_LIFECYCLE, SUPPLIER_ACTIONS
from catalogue.offering.models import Offering, OfferingCreate, OfferingUpdate, offering_state
from catalogue.offering import records, search_rows
from events.catalogue import (OfferingAssessed, OfferingCreated, OfferingEvent, OfferingPublished, OfferingRedrafted,
                              OfferingReinstated, OfferingRejected, OfferingRetired, OfferingSubmitted,
                              OfferingSuspended, OfferingUpdated, OfferingWithdrawn)
from servicekit.changes import ChangeRecorder, apply_changes, refuse_removals
from servicekit.identity import Identity
from servicekit.lifecycle import SYSTEM
from servicekit.problems import conflict, forbidden, not_found, validation_problem

AGGREGATE = "offering"
OPERATORS = ("admin", "assessor")
EDITABLE = ("draft", "rejected")
EVENTS: dict[str, type[OfferingEvent]] = {
    "submit": OfferingSubmitted, "publish": OfferingPublished, "reject": OfferingRejected,
    "redraft": OfferingRedrafted, "withdraw": OfferingWithdrawn, "suspend": OfferingSuspended,
    "reinstate": OfferingReinstated, "retire": OfferingRetired,
}
ELIGIBILITY = "eligibility"

CHANGES = ChangeRecorder(AGGREGATE, snapshot=lambda offering: {"offering": offering_state(offering)})


def owns(identity: Identity, offering: Offering) -> bool:
    """Whether the caller is the offering's own supplier."""
    return identity.has_role("supplier") and identity.supplier_id == offering.supplier_id


def sees_everything(identity: Identity) -> bool:
    return identity.has_role(*OPERATORS)


async def get_visible(session: AsyncSession, offering_id: str, identity: Identity) -> Offering:
    """The offering, or 404 when it does not exist or is not yet public and the caller is neither its
    supplier nor an assessor or admin."""
    offering = await repository.get(session, offering_id)
    if offering is None or (offering.status not in repository.PUBLIC_STATES and not sees_everything(identity)
                            and not owns(identity, offering)):
        raise not_found("offering", offering_id)
    return offering


async def get_history_readable(session: AsyncSession, offering_id: str, identity: Identity) -> Offering:
    """The offering whose history the caller may read: its supplier, assessors and admins only, since the
    history holds draft changes and rejection reasons that never were public (403 for anyone else)."""
    offering = await get_visible(session, offering_id, identity)
    if not (sees_everything(identity) or owns(identity, offering)):
        raise forbidden("an offering's history is for its supplier, assessors and admins")
    return offering


async def _check_categories(session: AsyncSession, fields: dict) -> None:
    """422 naming each code that is unknown, retired or on the wrong axis."""
    errors = []
    for code in fields.get("categories") or []:
        category = await categories.get(session, code)
        if category is None or category.status != "active" or category.axis != "solution":
            problem = ("no category has this code" if category is None else
                       f"the category is {category.status}" if category.status != "active" else
                       "is an engagement type, not a solution category")
            errors.append({"field": "categories", "message": f"{code}: {problem}"})
    if code := fields.get("engagement_type"):
        category = await categories.get(session, code)
        if category is None or category.status != "active" or category.axis != "engagement":
            problem = ("no category has this code" if category is None else
                       f"the category is {category.status}" if category.status != "active" else
                       "is a solution category, not an engagement type")
            errors.append({"field": "engagement_type", "message": f"{code}: {problem}"})
    if errors:
        raise validation_problem(errors)


async def create(session: AsyncSession, *, offering_in: OfferingCreate, actor: Identity, now: datetime,
                 unverified_limit: int) -> Offering:
    """A supplier starts a draft offering of its own; until it is verified, at most `unverified_limit`."""
    if not actor.supplier_id:
        raise forbidden("only a supplier acting for itself may create an offering")
    await _check_unverified_limit(session, actor.supplier_id, unverified_limit)
    await _check_categories(session, offering_in.model_dump())
    fields = offering_in.model_dump(mode="json")
    fields["assurance_records"] = records.stamped(fields["assurance_records"], previous=[])
    offering = Offering(**fields, supplier_id=actor.supplier_id, status="draft", version=1, created_at=now,
                        updated_at=now)
    search_rows.filter_columns(offering)
    CHANGES.record(session, offering, OfferingCreated, action="create", actor=actor.subject, at=now,
                   from_state=None)
    await search_rows.reindex(session, offering)
    return offering


async def _check_unverified_limit(session: AsyncSession, supplier_id: str, limit: int) -> None:
    """409 when a supplier not yet verified already holds `limit` offerings: anyone may register, so until an
    admin has verified a supplier, what it may store stays small. A supplier the catalogue has not heard of
    yet has only just registered."""
    await eligibility_repository.hold_supplier(session, supplier_id)
    supplier = await eligibility_repository.get_supplier(session, supplier_id)
    if supplier is not None and supplier.status != "pending_verification":
        return
    if await repository.count_of_supplier(session, supplier_id) >= limit:
        raise conflict(f"a supplier that is not yet verified may hold at most {limit} offerings; more can be "
                       "added once an admin has verified it", current_state="pending_verification", limit=limit)


def check_editable(offering: Offering, actor: Identity) -> None:
    """403 unless the caller is the offering's supplier; 409 unless the offering is a draft or rejected."""
    if not owns(actor, offering):
        raise forbidden("only the supplier this offering belongs to may change it")
    if offering.status not in EDITABLE:
        raise conflict(f"a {offering.status} offering cannot be changed; only drafts and rejected offerings can",
                       current_state=offering.status)


async def update(session: AsyncSession, *, offering: Offering, changes_in: OfferingUpdate, actor: Identity,
                 now: datetime) -> Offering:
    """Change a draft or rejected offering (its own supplier only); a request that changes nothing
    leaves the version as it is."""
    check_editable(offering, actor)
    requested = changes_in.model_dump(mode="json", exclude_unset=True)
    refuse_removals(requested)
    await _check_categories(session, requested)
    if "assurance_records" in requested:  # whole records, defaults included (exclude_unset reaches into them)
        sent = [record.model_dump(mode="json") for record in changes_in.assurance_records]
        requested["assurance_records"] = records.stamped(sent, offering.assurance_records)
    if not (changed := apply_changes(offering, requested, now)):
        return offering
    search_rows.filter_columns(offering)
    CHANGES.record(session, offering, OfferingUpdated, action="update", actor=actor.subject, at=now,
                   from_state=offering.status, changes=changed)
    await search_rows.reindex(session, offering)
    return offering


async def apply_transition(session: AsyncSession, *, offering: Offering, action: str, actor: Identity | None,
                           now: datetime, reason: str | None = None, missing: list[str] | None = None) -> Offering:
    """Move the offering along its life cycle (actor None = the catalogue itself), if the table allows it.
    Publishing and reinstating are checked against the supplier's eligibility today."""
    if actor is not None and action in SUPPLIER_ACTIONS and actor.has_role("supplier") and not owns(actor, offering):
        raise forbidden(f"only the supplier this offering belongs to may {action} it")
    if action in NEEDS_ELIGIBILITY and missing is None:
        missing = await eligibility.check(session, offering.supplier_id, list(offering.categories), now.date())
    context = {"missing": missing or []}
    if action == "publish":
        context["assurance"] = (await assurance.standing(session, offering.id, now.date())).missing
    move = OFFERING_LIFECYCLE.check(action, offering, actor, reason=reason, context=context)
    from_state = offering.status
    offering.status = move.target
    if action == "suspend":
        offering.suspended_reason = ELIGIBILITY if actor is None else "admin"
    elif offering.status != "suspended":
        offering.suspended_reason = None
    offering.status_reason = reason if action in ("reject", "suspend") else None
    offering.version += 1
    offering.updated_at = now
    CHANGES.record(session, offering, EVENTS[action], action=action,
                   actor=actor.subject if actor else SYSTEM, at=now, from_state=from_state, reason=reason)
    await search_rows.reindex(session, offering)
    return offering


async def follow_assurance(session: AsyncSession, *, offering: Offering, standing: Standing, now: datetime) -> bool:
    """Give the offering the risk tier, impact level, commitments and flag its assessments give it (actor
    `system`); whether anything changed. Its status stays: a lapsed assessment flags an offering, it does not
    suspend it."""
    requested = standing.fields()
    changed = {name: {"from": getattr(offering, name), "to": value} for name, value in requested.items()
               if getattr(offering, name) != value}
    if not changed:
        return False
    for name, change in changed.items():
        setattr(offering, name, change["to"])
    await record_change(session, offering, OfferingAssessed, action="assess", actor=SYSTEM, now=now, changes=changed)
    return True


async def record_change(session: AsyncSession, offering: Offering, event_type: type[OfferingEvent], *, action: str,
                        actor: str, now: datetime, changes: dict, reason: str | None = None, **fields) -> None:
    """A change that keeps the offering's status, already applied to it: the next version, its audit row and
    event (with the event type's own `fields`), and its search rows."""
    offering.version += 1
    offering.updated_at = now
    CHANGES.record(session, offering, event_type, action=action, actor=actor, at=now, from_state=offering.status,
                   reason=reason, changes=changes, **fields)
    await search_rows.reindex(session, offering)
