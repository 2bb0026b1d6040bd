"""Rules of courses. Every change writes the row, its audit entry and its event, in one transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from events.training import (CourseCreated, CourseEvent, CoursePublished, CourseReinstated, CourseSuspended,
                             CourseUpdated, CourseWithdrawn)
from servicekit.changes import ChangeRecorder, apply_changes, refuse_removals
from servicekit.identity import Identity
from servicekit.lifecycle import SYSTEM
from servicekit.problems import conflict, forbidden, not_found
from training.course import repository
from training.course.lifecycle import COURSE_LIFECYCLE, NEEDS_ACCREDITATION, PROVIDER_ACTIONS
from training.course.models import (Course, CourseCreate, CoursePublic, CourseSession, CourseUpdate, SessionPublic,
                                    course_state)
from training.supplier import repository as providers_repository
from training.supplier import service as accreditations

AGGREGATE = "course"
STAFF = ("admin", "assessor")
EDITABLE = ("draft", "published")
EVENTS: dict[str, type[CourseEvent]] = {
    "publish": CoursePublished, "suspend": CourseSuspended, "reinstate": CourseReinstated,
    "withdraw": CourseWithdrawn,
}
PROVIDER, ACCREDITATION = "provider", "accreditation"


def owns(identity: Identity, course: Course) -> bool:
    """Whether the caller is the course's own provider."""
    return identity.has_role("supplier") and identity.supplier_id == course.provider_id


def sees_everything(identity: Identity) -> bool:
    return identity.has_role(*STAFF)


async def get_visible(session: AsyncSession, course_id: str, identity: Identity) -> Course:
    """The course, or 404 when it does not exist or is a draft and the caller is neither its provider nor staff."""
    course = await repository.get(session, course_id)
    if course is None or (course.status not in repository.PUBLIC_STATES and not sees_everything(identity)
                          and not owns(identity, course)):
        raise not_found("course", course_id)
    return course


def _recorder(scheduled: list[CourseSession]) -> ChangeRecorder:
    """The recorder of one change: a course's event carries its sessions, which take a query to read, so
    its snapshot is made once they have been read."""
    return ChangeRecorder(AGGREGATE, snapshot=lambda course: {"course": course_state(course, scheduled)})


async def record(session: AsyncSession, course: Course, event_type: type[CourseEvent], *, action: str, actor: str,
                 at: datetime, from_state: str | None, reason: str | None = None, changes: dict | None = None) -> None:
    """Audit row and outbox event for a change already applied to the course (version and status set)."""
    session.add(course)
    await session.flush()
    scheduled = await repository.sessions_of(session, course.id)
    _recorder(scheduled).record(session, course, event_type, action=action, actor=actor, at=at,
                                from_state=from_state, reason=reason, changes=changes)


async def create(session: AsyncSession, *, course_in: CourseCreate, actor: Identity, now: datetime) -> Course:
    """A provider starts a draft course of its own."""
    if not actor.supplier_id:
        raise forbidden("only a provider acting for itself may create a course")
    course = Course(provider_id=actor.supplier_id, status="draft", version=1, created_at=now, updated_at=now,
                    search_text="", audience_tags="")
    course.set_fields(course_in.model_dump(mode="json"))
    await record(session, course, CourseCreated, action="create", actor=actor.subject, at=now, from_state=None)
    return course


def check_editable(course: Course, actor: Identity) -> None:
    """403 unless the caller is the course's provider; 409 unless the course is a draft or published."""
    if not owns(actor, course):
        raise forbidden("only the provider this course belongs to may change it")
    if course.status not in EDITABLE:
        raise conflict(f"a {course.status} course cannot be changed; only drafts and published courses can",
                       current_state=course.status)


async def update(session: AsyncSession, *, course: Course, changes_in: CourseUpdate, actor: Identity,
                 now: datetime) -> Course:
    """Change a draft or published course (its own provider only); a request that changes nothing leaves
    the version as it is. The training area of a published course stays: its accreditation covers it."""
    check_editable(course, actor)
    requested = changes_in.model_dump(mode="json", exclude_unset=True)
    refuse_removals({k: v for k, v in requested.items() if k != "nzqa"})
    if course.status != "draft" and requested.get("training_area", course.training_area) != course.training_area:
        raise conflict("the training area of a published course cannot change; withdraw it and publish a new one",
                       current_state=course.status)
    if "nzqa" in requested:
        requested["nzqa_credits"], requested["nzqa_level"] = (
            (requested["nzqa"]["credits"], requested["nzqa"]["level"]) if requested["nzqa"] else (None, None))
        del requested["nzqa"]
    if not (changed := apply_changes(course, requested, now)):
        return course
    course.set_fields({})
    await record(session, course, CourseUpdated, action="update", actor=actor.subject, at=now,
                 from_state=course.status, changes=changed)
    return course


async def apply_transition(session: AsyncSession, *, course: Course, action: str, actor: Identity | None,
                           now: datetime, reason: str | None = None) -> Course:
    """Move the course along its life cycle (actor None = the service itself), if the table allows it.
    Publishing and coming back bind the course to an accreditation in force covering its training area."""
    if actor is not None and action in PROVIDER_ACTIONS and actor.has_role("supplier") and not owns(actor, course):
        raise forbidden(f"only the provider this course belongs to may {action} it")
    covering, missing = None, None
    if action in NEEDS_ACCREDITATION:
        covering = await accreditations.covering(session, course.provider_id, course.training_area, now.date(),
                                                 preferred=course.accreditation_id)
        if covering is None:
            missing = await accreditations.what_is_missing(session, course.provider_id, course.training_area,
                                                           now.date())
    move = COURSE_LIFECYCLE.check(action, course, actor, reason=reason, context={"missing": missing})
    from_state = course.status
    course.status = move.target
    if covering is not None:
        course.accreditation_id = covering.id
    course.status_cause = None if move.target == "published" else (PROVIDER if actor else ACCREDITATION)
    course.status_reason = reason if move.target != "published" else None
    course.version += 1
    course.updated_at = now
    await record(session, course, EVENTS[action], action=action, actor=actor.subject if actor else SYSTEM, at=now,
                 from_state=from_state, reason=reason)
    return course


async def rebind(session: AsyncSession, *, course: Course, accreditation_id: str, now: datetime) -> None:
    """Point a published course at another accreditation of its provider that covers it (its own ended)."""
    changes = {"accreditation_id": {"from": course.accreditation_id, "to": accreditation_id}}
    course.accreditation_id = accreditation_id
    course.version += 1
    course.updated_at = now
    await record(session, course, CourseUpdated, action="rebind", actor=SYSTEM, at=now, from_state=course.status,
                 changes=changes)


async def public_views(session: AsyncSession, courses: list[Course]) -> list[CoursePublic]:
    """Courses as callers see them, with their sessions and provider names (two queries for any number)."""
    by_course = await repository.sessions_of_courses(session, [c.id for c in courses])
    names = await providers_repository.provider_names(session, {c.provider_id for c in courses})
    return [CoursePublic.model_validate({
        **course.model_dump(), "nzqa": course.nzqa, "free": course.price_nzd == 0,
        "provider_name": names.get(course.provider_id),
        "sessions": [SessionPublic.of(s) for s in by_course.get(course.id, [])]}) for course in courses]


async def public_view(session: AsyncSession, course: Course) -> CoursePublic:
    return (await public_views(session, [course]))[0]
