"""Rules of sessions: a provider schedules them on its own draft or published courses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from events.training import CourseUpdated
from servicekit.identity import Identity
from servicekit.problems import Problem, conflict, forbidden, not_found, validation_problem
from training.course import service as courses
from training.course.models import Course, CourseSession
from training.session import repository
from training.session.models import SessionCreate

SCHEDULABLE = ("draft", "published")


async def schedule(session: AsyncSession, *, course: Course, session_in: SessionCreate, actor: Identity,
                   now: datetime) -> CourseSession:
    """Add a session to the course (its provider only); the course's version moves and its event says so."""
    if not courses.owns(actor, course):
        raise forbidden("only the provider this course belongs to may schedule its sessions")
    if course.status not in SCHEDULABLE:
        raise conflict(f"a {course.status} course takes no new sessions; only drafts and published courses do",
                       current_state=course.status)
    if session_in.starts_at <= now:
        raise validation_problem([{"field": "starts_at", "message": "must be in the future"}])
    scheduled = CourseSession(course_id=course.id, **session_in.model_dump(), created_at=now)
    session.add(scheduled)
    course.version += 1
    course.updated_at = now
    await courses.record(session, course, CourseUpdated, action="schedule_session", actor=actor.subject, at=now,
                         from_state=course.status,
                         changes={"sessions": {"from": None, "to": session_in.model_dump(mode="json")
                                               | {"id": scheduled.id}}})
    return scheduled


async def get_visible(session: AsyncSession, session_id: str, identity: Identity) -> tuple[CourseSession, Course]:
    """The session and its course, or 404 when either is unknown or the course is not visible to the caller."""
    found = await repository.get(session, session_id)
    if found is None:
        raise not_found("session", session_id)
    try:
        course = await courses.get_visible(session, found.course_id, identity)
    except Problem:
        raise not_found("session", session_id) from None
    return found, course
