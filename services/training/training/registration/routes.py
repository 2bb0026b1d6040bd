"""HTTP routes of registrations of interest: buyers register agency staff for a session (a waitlist once
full) and cancel; providers see who registered for their sessions."""

from __future__ import annotations

from fastapi import APIRouter, Response

from servicekit.api import ClockDep, IdentityDep, require_roles
from servicekit.db import SessionDep
from servicekit.idempotency import IdempotencyDep
from servicekit.pagination import CursorQuery, LimitQuery, Page
from servicekit.problems import forbidden, not_found
from training.course import service as courses
from training.course.models import Id
from training.registration import repository, service
from training.registration.models import RegistrationCreate, RegistrationPublic
from training.session import service as sessions

# Registrations are reached through their session, so they share its prefix (and its tag).
router = APIRouter(prefix="/api/v1/sessions", tags=["sessions"])
SignedIn = require_roles("admin", "assessor", "buyer", "partner", "supplier")
Buyer = require_roles("buyer")


@router.get("/registrations", response_model=Page[RegistrationPublic], dependencies=[Buyer])
async def my_registrations(session: SessionDep, identity: IdentityDep, cursor: CursorQuery = None,
                           limit: LimitQuery = 50):
    """The calling buyer's own registrations across every session, oldest first."""
    rows, next_cursor = await repository.page(session, registered_by=identity.subject, cursor=cursor, limit=limit)
    return Page[RegistrationPublic](data=[await service.public_view(session, r) for r in rows],
                                    next_cursor=next_cursor)


@router.post("/{session_id}/registrations", status_code=201, response_model=RegistrationPublic,
             dependencies=[Buyer], responses={409: {"description": "the course is not published, the session has "
                                                                   "started, or the person is already registered"}})
async def register(session_id: Id, registration_in: RegistrationCreate, session: SessionDep, identity: IdentityDep,
                   clock: ClockDep, idempotency: IdempotencyDep) -> Response:
    """A buyer registers a staff member's interest: `registered` while places are left, else `waitlisted`
    with a position (never past capacity, however many register at once; Idempotency-Key honoured)."""
    if replay := await idempotency.replay():
        return replay
    found, course = await sessions.get_visible(session, session_id, identity)
    registration = await service.register(session, course_session=found, course=course,
                                          registration_in=registration_in, actor=identity, now=clock.now())
    return idempotency.respond(201, await service.public_view(session, registration), headers={
        "Location": f"/api/v1/sessions/{session_id}/registrations/{registration.id}"})


@router.get("/{session_id}/registrations", response_model=Page[RegistrationPublic], dependencies=[SignedIn])
async def list_registrations(session_id: Id, session: SessionDep, identity: IdentityDep,
                             cursor: CursorQuery = None, limit: LimitQuery = 50):
    """Registrations of the session, oldest first: all of them for its provider and staff, a buyer's own
    for a buyer."""
    found, course = await sessions.get_visible(session, session_id, identity)
    if courses.owns(identity, course) or courses.sees_everything(identity):
        registered_by = None
    elif identity.has_role("buyer"):
        registered_by = identity.subject
    else:
        raise forbidden("only the course's provider, staff or a buyer may list its registrations")
    rows, next_cursor = await repository.page(session, session_id=found.id, registered_by=registered_by,
                                              cursor=cursor, limit=limit)
    return Page[RegistrationPublic](data=[await service.public_view(session, r) for r in rows],
                                    next_cursor=next_cursor)


async def _registration(session, session_id: Id, registration_id: Id, identity):
    _, course = await sessions.get_visible(session, session_id, identity)
    registration = await repository.get(session, registration_id)
    if registration is None or registration.session_id != session_id:
        raise not_found("registration", registration_id)
    return registration, course


@router.get("/{session_id}/registrations/{registration_id}", response_model=RegistrationPublic,
            dependencies=[SignedIn])
async def get_registration(session_id: Id, registration_id: Id, session: SessionDep, identity: IdentityDep):
    """One registration (its buyer, the course's provider, staff), with its waitlist position."""
    registration, course = await _registration(session, session_id, registration_id, identity)
    service.check_may_see(registration, course, identity)
    return await service.public_view(session, registration)


@router.post("/{session_id}/registrations/{registration_id}/cancel", response_model=RegistrationPublic,
             dependencies=[SignedIn], responses={409: {"description": "already cancelled"}})
async def cancel_registration(session_id: Id, registration_id: Id, session: SessionDep, identity: IdentityDep,
                              clock: ClockDep):
    """Cancel a registration (its buyer or an admin); a freed place goes to the first on the waitlist."""
    registration, course = await _registration(session, session_id, registration_id, identity)
    registration = await service.cancel(session, registration=registration, course=course, actor=identity,
                                        now=clock.now())
    return await service.public_view(session, registration)
