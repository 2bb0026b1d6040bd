"""Rules of applications. Every change writes the row, its audit entry and its event; an approval
also grants or renews the accreditation in the same transaction."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from accreditation.accreditation import repository as accreditations
from accreditation.accreditation import service as accreditation_service
from accreditation.accreditation.lifecycle import IN_FORCE
from accreditation.application import repository
from accreditation.application.lifecycle import APPLICATION_LIFECYCLE, EDITABLE, SUPPLIER_ACTIONS
from accreditation.application.models import (Answers, Application, ApplicationCreate, ApplicationUpdate, Decision,
                                              Questions, application_state)
from accreditation.supplier import repository as suppliers
from events.accreditation import (ApplicationApproved, ApplicationCreated, ApplicationDeclined, ApplicationEvent,
                                  ApplicationSubmitted, ApplicationUpdated, AssessmentStarted, InformationProvided,
                                  InformationRequested)
from servicekit.changes import ChangeRecorder, apply_changes, refuse_removals
from servicekit.identity import Identity
from servicekit.problems import conflict, forbidden, not_found

AGGREGATE = "application"
OPERATORS = ("assessor", "admin")
EVENTS: dict[str, type[ApplicationEvent]] = {
    "submit": ApplicationSubmitted, "start-assessment": AssessmentStarted,
    "request-information": InformationRequested, "respond": InformationProvided,
    "approve": ApplicationApproved, "decline": ApplicationDeclined,
}

CHANGES = ChangeRecorder(AGGREGATE, snapshot=lambda application: {"application": application_state(application)})


def owns(identity: Identity, application: Application) -> bool:
    """Whether the caller is the application's own supplier."""
    return identity.has_role("supplier") and identity.supplier_id == application.supplier_id


def sees_everything(identity: Identity) -> bool:
    return identity.has_role(*OPERATORS)


def check_reader(identity: Identity) -> None:
    """Applications are for their suppliers, assessors and admins."""
    if not (sees_everything(identity) or identity.has_role("supplier")):
        raise forbidden("applications are for their suppliers, assessors and admins")


async def get_visible(session: AsyncSession, application_id: str, identity: Identity) -> Application:
    """The application, or 404 when it does not exist or belongs to another supplier than the caller."""
    check_reader(identity)
    application = await repository.get(session, application_id)
    if application is None or not (sees_everything(identity) or owns(identity, application)):
        raise not_found("application", application_id)
    return application


async def _check_applicant(session: AsyncSession, supplier_id: str) -> None:
    """409 unless the accreditation service knows the supplier as active."""
    status = await suppliers.status_of(session, supplier_id)
    if status == "unknown":
        raise conflict(f"supplier {supplier_id} is not known to the accreditation service yet; retry shortly",
                       current_state=status)
    if status != "active":
        raise conflict(f"supplier {supplier_id} is {status}; only an active supplier may apply", current_state=status)


async def _check_renewed(session: AsyncSession, application_in: ApplicationCreate, supplier_id: str) -> None:
    """A renewal names an accreditation of the applicant's that is still in force."""
    accreditation = await accreditations.get(session, application_in.accreditation_id)
    if accreditation is None or accreditation.supplier_id != supplier_id:
        raise not_found("accreditation", application_in.accreditation_id)
    if accreditation.status not in IN_FORCE:
        raise conflict(f"accreditation {accreditation.id} is {accreditation.status}; only one in force is renewed "
                       "(apply afresh instead)", current_state=accreditation.status)


async def create(session: AsyncSession, *, application_in: ApplicationCreate, actor: Identity,
                 now: datetime) -> Application:
    """A registered, active supplier starts a draft application of its own."""
    if not actor.supplier_id:
        raise forbidden("only a supplier acting for itself may apply")
    await _check_applicant(session, actor.supplier_id)
    if application_in.kind == "renewal":
        await _check_renewed(session, application_in, actor.supplier_id)
    application = Application(**application_in.model_dump(mode="json"), supplier_id=actor.supplier_id,
                              status="draft", version=1, created_at=now, updated_at=now)
    CHANGES.record(session, application, ApplicationCreated, action="create", actor=actor.subject, at=now,
                   from_state=None)
    return application


def check_editable(application: Application, actor: Identity) -> None:
    """403 unless the caller is the application's supplier; 409 unless it is a draft or awaits answers."""
    if not owns(actor, application):
        raise forbidden("only the supplier this application belongs to may change it")
    if application.status not in EDITABLE:
        raise conflict(f"a {application.status} application cannot be changed; only drafts and applications "
                       "awaiting information can", current_state=application.status)


async def update(session: AsyncSession, *, application: Application, changes_in: ApplicationUpdate,
                 actor: Identity, now: datetime) -> Application:
    """Change a draft or an application awaiting information; a request that changes nothing keeps the version."""
    check_editable(application, actor)
    requested = changes_in.model_dump(mode="json", exclude_unset=True)
    refuse_removals(requested)
    if not (changed := apply_changes(application, requested, now)):
        return application
    CHANGES.record(session, application, ApplicationUpdated, action="update", actor=actor.subject, at=now,
                   from_state=application.status, changes=changed)
    return application


async def apply_transition(session: AsyncSession, *, application: Application, action: str, actor: Identity,
                           now: datetime, reason: str | None = None, questions: Questions | None = None,
                           answers: Answers | None = None, decision: Decision | None = None) -> Application:
    """Move the application along its life cycle, if the table allows it; an approval grants or renews."""
    if action in SUPPLIER_ACTIONS and actor.has_role("supplier") and not owns(actor, application):
        raise forbidden(f"only the supplier this application belongs to may {action} it")
    if questions is not None:
        reason = "\n".join(questions.questions)
    if decision is not None:
        reason = decision.reason
    ratings = [r.model_dump(mode="json") for r in decision.ratings] if decision else []
    move = APPLICATION_LIFECYCLE.check(action, application, actor, reason=reason, context={
        "supplier_status": await suppliers.status_of(session, application.supplier_id), "ratings": ratings})
    from_state = application.status
    _record_exchange(application, action, actor, now, questions, answers)
    if decision is not None:
        application.ratings = ratings
        application.decided_by = actor.subject
        application.decided_at = now
        application.decision_reason = reason
    if action == "submit":
        application.submitted_at = now
    application.status = move.target
    application.version += 1
    application.updated_at = now
    if action == "approve" and application.kind == "initial":
        application.accreditation_id = str(uuid.uuid4())  # named now so the approval event carries it
    CHANGES.record(session, application, EVENTS[action], action=action, actor=actor.subject, at=now,
                   from_state=from_state, reason=reason)
    if action == "approve":
        await _accredit(session, application, actor, now)
    return application


def _record_exchange(application: Application, action: str, actor: Identity, now: datetime,
                     questions: Questions | None, answers: Answers | None) -> None:
    """Questions open a new exchange; answers close the open one."""
    if action == "request-information":
        application.exchanges = [*application.exchanges, {
            "questions": questions.questions, "asked_by": actor.subject, "asked_at": now.isoformat()}]
    elif action == "respond":
        *earlier, current = application.exchanges
        application.exchanges = [*earlier, {**current, "answers": answers.answers, "answered_by": actor.subject,
                                            "answered_at": now.isoformat()}]


async def _accredit(session: AsyncSession, application: Application, actor: Identity, now: datetime) -> None:
    """An approved initial application grants its accreditation; an approved renewal renews its own."""
    if application.kind == "initial":
        await accreditation_service.grant(session, application=application, actor=actor, now=now)
        return
    accreditation = await accreditations.get(session, application.accreditation_id)
    await accreditation_service.apply_transition(session, accreditation=accreditation, action="renew",
                                                 actor=actor, now=now, reason=application.decision_reason,
                                                 renewal=application)
