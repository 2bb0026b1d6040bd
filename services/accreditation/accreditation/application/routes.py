"""HTTP routes of applications: suppliers draft, submit and answer; assessors assess and decide.
Applications are seen by their own supplier, assessors and admins."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from accreditation.application import repository, service
from accreditation.application.models import (Answers, ApplicationCreate, ApplicationPublic, ApplicationUpdate,
                                              Decision, Questions)
from events.accreditation import ApplicationKind, ApplicationStatus
from servicekit.api import ClockDep, IdentityDep, require_roles
from servicekit.concurrency import check_if_match, set_etag
from servicekit.db import SessionDep
from servicekit.history import HistoryEntry, read_history
from servicekit.idempotency import IdempotencyDep
from servicekit.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(prefix="/api/v1/accreditation/applications", tags=["accreditation applications"])
# The actions without a body; those with one have a route each, below.
Action = Literal["submit", "start-assessment"]
SignedIn = require_roles("admin", "assessor", "buyer", "partner", "supplier")
Supplier = require_roles("supplier")
CONFLICT = {409: {"description": "the life cycle does not allow this from the current state, or a guard "
                                 "(supplier active, every criterion rated, none not_met) does not hold"}}


def _public(application) -> ApplicationPublic:
    return ApplicationPublic.model_validate(application, from_attributes=True)


def _answer(response: Response, application) -> ApplicationPublic:
    set_etag(response, application.version)
    return _public(application)


@router.post("", status_code=201, response_model=ApplicationPublic, dependencies=[Supplier],
             responses={404: {"description": "no accreditation has the accreditation_id to renew"},
                        409: {"description": "the supplier is not (yet) known as active, or the accreditation "
                                             "to renew is not in force"}})
async def create_application(application_in: ApplicationCreate, session: SessionDep, identity: IdentityDep,
                             clock: ClockDep, idempotency: IdempotencyDep, request: Request) -> Response:
    """A registered, active supplier starts a draft application (Idempotency-Key honoured); kind=renewal
    with accreditation_id applies to renew an accreditation in force."""
    if replay := await idempotency.replay():
        return replay
    application = await service.create(session, application_in=application_in, actor=identity, now=clock.now())
    return idempotency.respond(201, _public(application), headers={
        "Location": f"{request.url.path}/{application.id}", "ETag": f'"{application.version}"'})


@router.get("", response_model=Page[ApplicationPublic], dependencies=[SignedIn])
async def list_applications(session: SessionDep, identity: IdentityDep, cursor: CursorQuery = None,
                            limit: LimitQuery = 50, status: ApplicationStatus | None = None,
                            kind: ApplicationKind | None = None,
                            supplier_id: Annotated[str | None, Query(max_length=36)] = None):
    """Applications, newest first: a supplier sees its own, assessors and admins every one."""
    service.check_reader(identity)
    if not service.sees_everything(identity):
        supplier_id = identity.supplier_id
    rows, next_cursor = await repository.list_page(session, supplier_id=supplier_id, status=status, kind=kind,
                                                   cursor=cursor, limit=limit)
    return Page[ApplicationPublic](data=[_public(r) for r in rows], next_cursor=next_cursor)


@router.get("/{application_id}", response_model=ApplicationPublic, dependencies=[SignedIn])
async def get_application(application_id: str, session: SessionDep, identity: IdentityDep, response: Response):
    """One application, with its ETag."""
    return _answer(response, await service.get_visible(session, application_id, identity))


@router.patch("/{application_id}", response_model=ApplicationPublic, dependencies=[SignedIn],
              responses={409: {"description": "only drafts and applications awaiting information can be changed"}})
async def update_application(application_id: str, changes: ApplicationUpdate, request: Request, response: Response,
                             session: SessionDep, identity: IdentityDep, clock: ClockDep):
    """Change a draft or an application awaiting information (its supplier only; If-Match required)."""
    application = await service.get_visible(session, application_id, identity)
    service.check_editable(application, identity)
    check_if_match(request, application.version)
    application = await service.update(session, application=application, changes_in=changes, actor=identity,
                                       now=clock.now())
    return _answer(response, application)


@router.get("/{application_id}/history", response_model=Page[HistoryEntry], dependencies=[SignedIn])
async def application_history(application_id: str, session: SessionDep, identity: IdentityDep,
                              cursor: CursorQuery = None, limit: LimitQuery = 50):
    """Every change of the application, oldest first."""
    await service.get_visible(session, application_id, identity)
    return await read_history(session, aggregate_type=service.AGGREGATE, aggregate_id=application_id,
                              cursor=cursor, limit=limit)


async def _move(application_id: str, action: str, session, identity, clock, **details):
    application = await service.get_visible(session, application_id, identity)
    return await service.apply_transition(session, application=application, action=action, actor=identity,
                                          now=clock.now(), **details)


# request-information, respond, approve and decline carry a body of their own (questions, answers, a
# decision), so each keeps its route; they come before the one route of the actions without a body,
# whose `{action}` would otherwise take their paths.
@router.post("/{application_id}/request-information", response_model=ApplicationPublic, responses=CONFLICT,
             dependencies=[SignedIn])
async def request_information(application_id: str, questions: Questions, session: SessionDep,
                              identity: IdentityDep, clock: ClockDep, response: Response):
    """The assessor asks the applicant questions; the application may be changed until it answers."""
    return _answer(response, await _move(application_id, "request-information", session, identity, clock,
                                         questions=questions))


@router.post("/{application_id}/respond", response_model=ApplicationPublic, responses=CONFLICT,
             dependencies=[SignedIn])
async def respond(application_id: str, answers: Answers, session: SessionDep, identity: IdentityDep,
                  clock: ClockDep, response: Response):
    """The supplier answers the open questions; the assessment goes on."""
    return _answer(response, await _move(application_id, "respond", session, identity, clock, answers=answers))


@router.post("/{application_id}/approve", response_model=ApplicationPublic, responses=CONFLICT,
             dependencies=[SignedIn])
async def approve(application_id: str, decision: Decision, session: SessionDep, identity: IdentityDep,
                  clock: ClockDep, response: Response):
    """The assessor approves with every criterion rated and none not_met: an initial application grants an
    accreditation for three years, a renewal renews its accreditation."""
    return _answer(response, await _move(application_id, "approve", session, identity, clock, decision=decision))


@router.post("/{application_id}/decline", response_model=ApplicationPublic, responses=CONFLICT,
             dependencies=[SignedIn])
async def decline(application_id: str, decision: Decision, session: SessionDep, identity: IdentityDep,
                  clock: ClockDep, response: Response):
    """The assessor declines, with the reasons (ratings optional)."""
    return _answer(response, await _move(application_id, "decline", session, identity, clock, decision=decision))


@router.post("/{application_id}/{action}", response_model=ApplicationPublic, responses=CONFLICT,
             dependencies=[SignedIn])
async def transition_application(application_id: str, action: Action, session: SessionDep, identity: IdentityDep,
                                 clock: ClockDep, response: Response):
    """submit: the supplier submits its draft (it needs trainers and evidence, and the supplier active);
    start-assessment: an assessor opens the assessment of a submitted application."""
    return _answer(response, await _move(application_id, action, session, identity, clock))
