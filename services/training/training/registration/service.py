"""Rules of registrations of interest: never past a session's capacity, a waitlist once it is full, and
a cancelled place going to the first in line."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.identity import Identity
from servicekit.problems import conflict, forbidden
from training.course import service as courses
from training.course.models import Course, CourseSession
from training.registration import repository
from training.registration.models import Registration, RegistrationCreate, RegistrationPublic
from training.session import repository as sessions


async def register(session: AsyncSession, *, course_session: CourseSession, course: Course,
                   registration_in: RegistrationCreate, actor: Identity, now: datetime) -> Registration:
    """A buyer registers a staff member's interest: a place while one is left, else the waitlist."""
    if course.status != "published":
        raise conflict(f"the course is {course.status}; registrations are taken only for published courses",
                       current_state=course.status)
    if course_session.starts_at <= now:
        raise conflict("the session has already started; registrations are closed")
    email = registration_in.email.lower()
    if await repository.live_for(session, course_session.id, email):
        raise conflict(f"{email} is already registered or waitlisted for this session")
    if await sessions.take_place(session, course_session.id):
        status, ticket = "registered", None
    else:
        status, ticket = "waitlisted", await sessions.join_waitlist(session, course_session.id)
    registration = Registration(**registration_in.model_dump(exclude={"email"}), email=email,
                                session_id=course_session.id, course_id=course.id, registered_by=actor.subject,
                                status=status, waitlist_seq=ticket, created_at=now, updated_at=now)
    session.add(registration)
    await session.flush()
    return registration


def check_may_see(registration: Registration, course: Course, actor: Identity) -> None:
    """403 unless the caller made the registration, provides the course, or is staff."""
    if not (registration.registered_by == actor.subject and actor.has_role("buyer")
            or courses.owns(actor, course) or courses.sees_everything(actor)):
        raise forbidden("only the buyer who made this registration, the course's provider or staff may see it")


async def cancel(session: AsyncSession, *, registration: Registration, course: Course, actor: Identity,
                 now: datetime) -> Registration:
    """Cancel a registration (its buyer or an admin); a freed place goes to the first on the waitlist."""
    if not (registration.registered_by == actor.subject and actor.has_role("buyer") or actor.has_role("admin")):
        raise forbidden("only the buyer who made this registration or an admin may cancel it")
    await sessions.hold(session, registration.session_id)
    await session.refresh(registration)  # as it is now that no other change of the session can run
    if registration.status == "cancelled":
        raise conflict("the registration is already cancelled", current_state="cancelled")
    was = registration.status
    if not await repository.change_status(session, registration, to="cancelled", now=now):
        raise conflict("the registration changed at the same time; read it again", current_state=registration.status)
    if was == "waitlisted":
        await sessions.release(session, registration.session_id, waitlisted=-1)
        return registration
    await sessions.release(session, registration.session_id, registered=-1)
    await _promote_first_in_line(session, registration.session_id, now)
    return registration


async def _promote_first_in_line(session: AsyncSession, session_id: str, now: datetime) -> None:
    # The session is held (see `cancel`), so no registration or other cancellation of it runs between
    # here and the commit.
    first = await repository.first_waitlisted(session, session_id)
    if first is not None and await repository.change_status(session, first, to="registered", now=now):
        await sessions.release(session, session_id, registered=1, waitlisted=-1)


async def public_view(session: AsyncSession, registration: Registration) -> RegistrationPublic:
    return RegistrationPublic.model_validate({**registration.model_dump(),
                                              "waitlist_position": await repository.waitlist_position(
                                                  session, registration)})
