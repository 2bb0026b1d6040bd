"""Queries over the courses table and its sessions: one course, the buyers' search, the courses an accreditation
holds up, and the sessions a course's record carries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.pagination import paginate
from training.course.models import Course, CourseSession, normalise

# States anyone may look up by id; drafts only their provider and staff.
PUBLIC_STATES = ("published", "suspended", "withdrawn")
ACCREDITATION = "accreditation"
SESSION_ORDER = [CourseSession.starts_at, CourseSession.id]  # soonest first


@dataclass(frozen=True)
class CourseFilters:
    """What a caller narrows the course list by; None means any."""

    status: str | None = None
    provider_id: str | None = None
    free: bool | None = None
    min_price: float | None = None
    max_price: float | None = None
    audience: str | None = None
    training_area: str | None = None
    mode: str | None = None
    pacing: str | None = None
    level: str | None = None
    language: str | None = None
    has_nzqa_credits: bool | None = None
    min_nzqa_credits: int | None = None
    upcoming_sessions: bool | None = None
    q: str | None = None


async def get(session: AsyncSession, course_id: str) -> Course | None:
    """One course by id."""
    return await session.get(Course, course_id)


def _conditions(filters: CourseFilters, now: datetime) -> list:
    conditions = []
    equal = {Course.status: filters.status, Course.provider_id: filters.provider_id,
             Course.training_area: filters.training_area, Course.mode: filters.mode, Course.pacing: filters.pacing,
             Course.level: filters.level, Course.language: filters.language}
    conditions += [column == value for column, value in equal.items() if value is not None]
    if filters.free is not None:
        conditions.append(Course.price_nzd == 0 if filters.free else Course.price_nzd > 0)
    if filters.min_price is not None:
        conditions.append(Course.price_nzd >= filters.min_price)
    if filters.max_price is not None:
        conditions.append(Course.price_nzd <= filters.max_price)
    if filters.audience:
        conditions.append(Course.audience_tags.contains(f"|{filters.audience}|", autoescape=True))
    if filters.has_nzqa_credits is not None:
        carries = Course.nzqa_credits.is_not(None)
        conditions.append(carries if filters.has_nzqa_credits else ~carries)
    if filters.min_nzqa_credits is not None:
        conditions.append(Course.nzqa_credits >= filters.min_nzqa_credits)
    if filters.upcoming_sessions is not None:
        upcoming = exists().where(CourseSession.course_id == Course.id, CourseSession.starts_at > now)
        conditions.append(upcoming if filters.upcoming_sessions else ~upcoming)
    # Every word of the query must appear in the name, code or description (folded the same way).
    for word in normalise(filters.q or "").split():
        conditions.append(Course.search_text.contains(word, autoescape=True))
    return conditions


async def list_page(session: AsyncSession, *, filters: CourseFilters, everything: bool, own_provider_id: str | None,
                    now: datetime, cursor: str | None, limit: int) -> tuple[list[Course], str | None]:
    """Courses matching the filters, newest first. Without `everything`, published ones and, for a
    provider, its own in any state."""
    statement = select(Course)
    if not everything:
        visible = Course.status == "published"
        if own_provider_id:
            visible = or_(visible, Course.provider_id == own_provider_id)
        statement = statement.where(visible)
    statement = statement.where(*_conditions(filters, now))
    return await paginate(session, statement, order=[Course.created_at.desc(), Course.id.desc()],
                          cursor=cursor, limit=limit)


async def accreditation_bound(session: AsyncSession, provider_id: str) -> list[Course]:
    """The provider's courses its accreditations can move: published ones, and those suspended because
    of an accreditation."""
    statement = (select(Course)
                 .where(Course.provider_id == provider_id,
                        or_(Course.status == "published",
                            and_(Course.status == "suspended", Course.status_cause == ACCREDITATION)))
                 .order_by(Course.created_at, Course.id))
    return list((await session.execute(statement)).scalars().all())


async def sessions_of(session: AsyncSession, course_id: str) -> list[CourseSession]:
    """Every session of the course, soonest first."""
    statement = select(CourseSession).where(CourseSession.course_id == course_id).order_by(*SESSION_ORDER)
    return list((await session.execute(statement)).scalars().all())


async def sessions_of_courses(session: AsyncSession, course_ids: list[str]) -> dict[str, list[CourseSession]]:
    """Sessions of several courses in one query, soonest first, by course id."""
    found: dict[str, list[CourseSession]] = defaultdict(list)
    if course_ids:
        statement = select(CourseSession).where(CourseSession.course_id.in_(course_ids)).order_by(*SESSION_ORDER)
        for row in (await session.execute(statement)).scalars().all():
            found[row.course_id].append(row)
    return found
