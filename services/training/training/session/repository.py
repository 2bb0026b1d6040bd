"""Queries over sessions, including the place counters registrations move.

The counters change only through single UPDATE statements that test and change in one step: on
PostgreSQL the row lock makes a concurrent UPDATE wait and test again against the committed row;
on SQLite the first write of a transaction takes the database's one write lock, held until commit.
Either way two registrations can never both take the last place."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.pagination import paginate
from training.course.models import CourseSession
from training.course.repository import SESSION_ORDER


async def get(session: AsyncSession, session_id: str) -> CourseSession | None:
    return await session.get(CourseSession, session_id)


async def page_of_course(session: AsyncSession, course_id: str, *, cursor: str | None,
                         limit: int) -> tuple[list[CourseSession], str | None]:
    statement = select(CourseSession).where(CourseSession.course_id == course_id)
    return await paginate(session, statement, order=SESSION_ORDER, cursor=cursor, limit=limit)


async def take_place(session: AsyncSession, session_id: str) -> bool:
    """Count one more registered attendee if a place is left; False when the session is full."""
    result = await session.execute(
        update(CourseSession)
        .where(CourseSession.id == session_id, CourseSession.registered < CourseSession.capacity)
        .values(registered=CourseSession.registered + 1)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


async def join_waitlist(session: AsyncSession, session_id: str) -> int:
    """Count one more on the waitlist; returns the waitlist ticket (increasing, never reused)."""
    return (await session.execute(
        update(CourseSession).where(CourseSession.id == session_id)
        .values(waitlisted=CourseSession.waitlisted + 1, waitlist_seq=CourseSession.waitlist_seq + 1)
        .returning(CourseSession.waitlist_seq)
        .execution_options(synchronize_session=False))).scalar_one()


async def hold(session: AsyncSession, session_id: str) -> None:
    """Hold the session's row until commit (PostgreSQL row lock; SQLite's write lock), so changes of its
    registrations that read before they write run one at a time, always taking this lock first."""
    await session.execute(update(CourseSession).where(CourseSession.id == session_id)
                          .values(registered=CourseSession.registered)
                          .execution_options(synchronize_session=False))


async def release(session: AsyncSession, session_id: str, *, registered: int = 0, waitlisted: int = 0) -> None:
    """Move the counters by the given (signed) amounts."""
    await session.execute(
        update(CourseSession).where(CourseSession.id == session_id)
        .values(registered=CourseSession.registered + registered, waitlisted=CourseSession.waitlisted + waitlisted)
        .execution_options(synchronize_session=False))
