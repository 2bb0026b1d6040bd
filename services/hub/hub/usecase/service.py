"""Rules of use cases: every change writes the row and its audit entry; `entry_content` is the registry
entry a use case makes (written, with its event and its sync, by `hub.flows`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hub.usecase import repository
from hub.usecase.lifecycle import USE_CASE_LIFECYCLE, assessed
from hub.usecase.models import LinkPublic, UseCase, UseCaseCreate, UseCasePublic, UseCaseUpdate
from servicekit.changes import apply_changes
from servicekit.history import record_change
from servicekit.identity import Identity
from servicekit.problems import conflict, forbidden, not_found, validation_problem

AGGREGATE = "use_case"
ENTRY_PREFIX = "use_case:"
# Fields that may be cleared by sending null in a PATCH; the others may only be changed.
CLEARABLE = {"category", "started_on", "review_due_on"}


async def get(session: AsyncSession, use_case_id: str) -> UseCase:
    use_case = await repository.get(session, use_case_id)
    if use_case is None:
        raise not_found("use case", use_case_id)
    return use_case


def agency_for(actor: Identity, requested: str | None) -> str:
    """The agency a use case goes under: a buyer's own, from the identity the gateway vouches for (a buyer
    cannot register for another agency); an admin's choice, which it must name."""
    if actor.has_role("admin"):
        if not requested:
            raise validation_problem([{"field": "agency", "message": "an admin must name the agency"}])
        return requested
    if not actor.agency:
        raise forbidden("this buyer's client is bound to no agency; ask an admin for a client of your agency")
    if requested and not actor.of_agency(requested):
        raise forbidden(f"a buyer registers use cases for its own agency only ({actor.agency}), not {requested}")
    return actor.agency


def check_may_change(use_case: UseCase, actor: Identity) -> None:
    """Admins change any use case; a buyer only those it registered."""
    if not actor.has_role("admin") and use_case.created_by != actor.subject:
        raise forbidden("only the buyer who registered this use case, or an admin, may change it")


async def links(session: AsyncSession, use_case: UseCase) -> list[LinkPublic]:
    """Each linked offering with whether it is in the marketplace now."""
    found = await repository.offering_entries(session, list(use_case.linked_offering_ids))
    return [LinkPublic(offering_id=o, status="unknown" if o not in found else
                       "listed" if found[o].listed else "left_marketplace") for o in use_case.linked_offering_ids]


async def public(session: AsyncSession, use_case: UseCase) -> UseCasePublic:
    return UseCasePublic.model_validate({**use_case.model_dump(), "entry_id": ENTRY_PREFIX + use_case.id,
                                         "linked_offerings": await links(session, use_case)})


async def _check_references(session: AsyncSession, fields: dict[str, Any], already: list[str]) -> None:
    """422 naming each newly linked offering not in the marketplace, and an unknown category."""
    errors = []
    new_links = [o for o in fields.get("linked_offering_ids") or [] if o not in already]
    found = await repository.offering_entries(session, new_links)
    for offering_id in new_links:
        if offering_id not in found or not found[offering_id].listed:
            errors.append({"field": "linked_offering_ids",
                           "message": f"{offering_id}: no published offering has this id"})
    if code := fields.get("category"):
        category = await repository.category(session, code)
        if category is None or category.state.get("status") != "active":
            errors.append({"field": "category", "message": f"{code}: no active category has this code"})
    if errors:
        raise validation_problem(errors)


async def create(session: AsyncSession, *, use_case_in: UseCaseCreate, actor: Identity, now: datetime) -> UseCase:
    """A buyer or admin registers an agency's use case; it enters the registry at once."""
    fields = use_case_in.model_dump() | {"agency": agency_for(actor, use_case_in.agency)}
    await _check_references(session, fields, already=[])
    use_case = UseCase(**fields, created_by=actor.subject, version=1, created_at=now, updated_at=now,
                       phase_changed_at=now)
    if use_case.phase == "production" and (refusal := assessed(use_case, actor, {})):
        raise validation_problem([{"field": "phase", "message": refusal}])
    session.add(use_case)
    await repository.replace_links(session, use_case.id, list(use_case.linked_offering_ids))
    record_change(session, aggregate_type=AGGREGATE, aggregate_id=use_case.id, version=1, action="create",
                  actor=actor.subject, at=now, to_state=use_case.phase)
    return use_case


async def update(session: AsyncSession, *, use_case: UseCase, changes_in: UseCaseUpdate, actor: Identity,
                 now: datetime) -> UseCase:
    """Change a use case that is not retired; a request that changes nothing keeps the version."""
    check_may_change(use_case, actor)
    if use_case.phase == "retired":
        raise conflict("a retired use case cannot be changed", current_state=use_case.phase)
    requested = changes_in.model_dump(exclude_unset=True)
    if requested.get("agency") is not None:
        requested["agency"] = agency_for(actor, requested["agency"])
    if removed := [name for name, value in requested.items() if value is None and name not in CLEARABLE]:
        raise validation_problem([{"field": name, "message": "may be changed but not removed"} for name in removed])
    await _check_references(session, requested, already=list(use_case.linked_offering_ids))
    if not (changed := apply_changes(use_case, requested, now)):
        return use_case
    if use_case.phase == "production" and (refusal := assessed(use_case, actor, {})):
        raise validation_problem([{"field": "impact_assessments", "message": refusal}])
    if "linked_offering_ids" in changed:
        await repository.replace_links(session, use_case.id, list(use_case.linked_offering_ids))
    session.add(use_case)
    record_change(session, aggregate_type=AGGREGATE, aggregate_id=use_case.id, version=use_case.version,
                  action="update", actor=actor.subject, at=now, from_state=use_case.phase,
                  to_state=use_case.phase, changes=changed)
    return use_case


async def apply_transition(session: AsyncSession, *, use_case: UseCase, action: str, actor: Identity,
                           now: datetime, reason: str | None) -> UseCase:
    """Move the use case to another phase, if the transition table allows it."""
    check_may_change(use_case, actor)
    move = USE_CASE_LIFECYCLE.check(action, use_case, actor, reason=reason)
    from_phase = use_case.phase
    use_case.phase = move.target
    use_case.phase_changed_at = use_case.updated_at = now
    use_case.version += 1
    session.add(use_case)
    record_change(session, aggregate_type=AGGREGATE, aggregate_id=use_case.id, version=use_case.version,
                  action=action, actor=actor.subject, at=now, from_state=from_phase, to_state=use_case.phase,
                  reason=reason)
    return use_case


async def entry_content(session: AsyncSession, use_case: UseCase) -> dict[str, Any]:
    """The registry entry of a use case; a retired one has left the public registry."""
    return {
        "id": ENTRY_PREFIX + use_case.id, "type": "use_case", "source_type": "use_case", "source_id": use_case.id,
        "source_version": use_case.version, "link": f"/api/v1/registry/use-cases/{use_case.id}",
        "name": use_case.name, "summary": use_case.short_description, "category": use_case.category,
        "categories": [use_case.category] if use_case.category else [], "supplier_id": None,
        "supplier_name": None, "agency": use_case.agency, "risk_level": use_case.risk_level,
        "phase": use_case.phase, "status": use_case.phase, "listed": use_case.phase != "retired",
        "first_listed_at": use_case.created_at, "source_changed_at": use_case.updated_at,
        "details": {
            "purpose_and_benefit": use_case.purpose_and_benefit, "human_oversight": use_case.human_oversight,
            "data_used": use_case.data_used, "model_type": use_case.model_type,
            "impact_assessments": use_case.impact_assessments, "maori_data": use_case.maori_data,
            "contact": use_case.contact,
            "started_on": use_case.started_on.isoformat() if use_case.started_on else None,
            "review_due_on": use_case.review_due_on.isoformat() if use_case.review_due_on else None,
            "linked_offerings": [link.model_dump() for link in await links(session, use_case)],
        },
    }
