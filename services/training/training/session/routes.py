"""HTTP routes of sessions: providers schedule them on their courses; anyone who sees a course sees its
sessions and how full they are."""

from __future__ import annotations

from fastapi import APIRouter, Response

from servicekit.api import ClockDep, IdentityDep, require_roles
from servicekit.db import SessionDep
from servicekit.idempotency import IdempotencyDep
from servicekit.pagination import CursorQuery, LimitQuery, Page
from training.course import service as courses
from training.course.models import Id, SessionPublic
from training.session import repository, service
from training.session.models import SessionCreate

router = APIRouter(prefix="/api/v1/sessions", tags=["sessions"])
# Sessions are scheduled and listed through their course, under its prefix (and its tag).
course_router = APIRouter(prefix="/api/v1/courses", tags=["courses"])
Supplier = require_roles("supplier")


@router.get("/{session_id}", response_model=SessionPublic)
async def get_session(session_id: Id, session: SessionDep, identity: IdentityDep):
    """One session: capacity, registered, waitlisted and places left."""
    found, _ = await service.get_visible(session, session_id, identity)
    return SessionPublic.of(found)


@course_router.post("/{course_id}/sessions", status_code=201, response_model=SessionPublic,
                    dependencies=[Supplier], responses={409: {"description": "the course is suspended or withdrawn"}})
async def schedule_session(course_id: Id, session_in: SessionCreate, session: SessionDep, identity: IdentityDep,
                           clock: ClockDep, idempotency: IdempotencyDep) -> Response:
    """The provider schedules a session of its draft or published course: start before end, in the future,
    online or at a location, capacity 1 or more (Idempotency-Key honoured)."""
    if replay := await idempotency.replay():
        return replay
    course = await courses.get_visible(session, course_id, identity)
    scheduled = await service.schedule(session, course=course, session_in=session_in, actor=identity,
                                       now=clock.now())
    return idempotency.respond(201, SessionPublic.of(scheduled),
                               headers={"Location": f"/api/v1/sessions/{scheduled.id}"})


@course_router.get("/{course_id}/sessions", response_model=Page[SessionPublic])
async def list_sessions(course_id: Id, session: SessionDep, identity: IdentityDep, cursor: CursorQuery = None,
                        limit: LimitQuery = 50):
    """Sessions of the course, soonest first, with how full each is."""
    await courses.get_visible(session, course_id, identity)
    rows, next_cursor = await repository.page_of_course(session, course_id, cursor=cursor, limit=limit)
    return Page[SessionPublic](data=[SessionPublic.of(r) for r in rows], next_cursor=next_cursor)
