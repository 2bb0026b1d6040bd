"""HTTP routes of courses: providers draft, publish and withdraw their own; buyers search the
published ones; drafts are seen only by their provider and staff."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from events.accreditation import Audience, TrainingArea
from events.training import CourseLevel, CourseStatus, DeliveryMode, Language, Pacing
from servicekit.api import ClockDep, IdentityDep, require_roles
from servicekit.concurrency import check_if_match, set_etag
from servicekit.db import SessionDep
from servicekit.history import HistoryEntry, read_history
from servicekit.idempotency import IdempotencyDep
from servicekit.models import Reason
from servicekit.pagination import CursorQuery, LimitQuery, Page
from servicekit.problems import validation_problem
from training.course import repository, service
from training.course.models import CourseCreate, CoursePublic, CourseUpdate, Id
from training.course.repository import CourseFilters

router = APIRouter(prefix="/api/v1/courses", tags=["courses"])
SignedIn = require_roles("admin", "assessor", "buyer", "partner", "supplier")
Supplier = require_roles("supplier")
Action = Literal["publish", "withdraw"]
CONFLICT = {409: {"description": "the life cycle does not allow this from the current state, or no accreditation "
                                 "in force covers the course's training area (the answer names what is missing)"}}
Price = Annotated[float | None, Query(ge=0, le=1_000_000, allow_inf_nan=False)]


async def _answer(session, response: Response, course) -> CoursePublic:
    set_etag(response, course.version)
    return await service.public_view(session, course)


def course_filters(
    status: CourseStatus | None = None,
    provider_id: Annotated[str | None, Query(max_length=36)] = None,
    free: Annotated[bool | None, Query(description="true: price 0 only; false: paid only")] = None,
    min_price: Price = None,
    max_price: Price = None,
    audience: Audience | None = None,
    training_area: TrainingArea | None = None,
    mode: DeliveryMode | None = None,
    pacing: Pacing | None = None,
    level: CourseLevel | None = None,
    language: Language | None = None,
    has_nzqa_credits: bool | None = None,
    min_nzqa_credits: Annotated[int | None, Query(ge=1, le=1000)] = None,
    upcoming_sessions: Annotated[bool | None, Query(
        description="true: has a session starting after now; false: has none")] = None,
    q: Annotated[str | None, Query(max_length=200, description="words that must all appear in the name, "
                                                               "course code or description")] = None,
) -> CourseFilters:
    if min_price is not None and max_price is not None and min_price > max_price:
        raise validation_problem([{"field": "query:min_price", "message": "must not exceed max_price"}])
    return CourseFilters(status=status, provider_id=provider_id, free=free, min_price=min_price, max_price=max_price,
                         audience=audience, training_area=training_area, mode=mode, pacing=pacing, level=level,
                         language=language, has_nzqa_credits=has_nzqa_credits, min_nzqa_credits=min_nzqa_credits,
                         upcoming_sessions=upcoming_sessions, q=q)


@router.post("", status_code=201, response_model=CoursePublic, dependencies=[Supplier],
             responses={422: {"description": "a field is not valid"}})
async def create_course(course_in: CourseCreate, session: SessionDep, identity: IdentityDep, clock: ClockDep,
                        idempotency: IdempotencyDep, request: Request) -> Response:
    """A provider starts a draft course of its own (Idempotency-Key honoured)."""
    if replay := await idempotency.replay():
        return replay
    course = await service.create(session, course_in=course_in, actor=identity, now=clock.now())
    return idempotency.respond(201, await service.public_view(session, course), headers={
        "Location": f"{request.url.path}/{course.id}", "ETag": f'"{course.version}"'})


@router.get("", response_model=Page[CoursePublic])
async def list_courses(session: SessionDep, identity: IdentityDep, clock: ClockDep,
                       filters: Annotated[CourseFilters, Depends(course_filters)],
                       cursor: CursorQuery = None, limit: LimitQuery = 50):
    """Courses, newest first: published ones for everyone (no token needed), a provider's own in any
    state for that provider, every course for staff; narrowed by the filters."""
    rows, next_cursor = await repository.list_page(
        session, filters=filters, everything=service.sees_everything(identity),
        own_provider_id=identity.supplier_id if identity.has_role("supplier") else None,
        now=clock.now(), cursor=cursor, limit=limit)
    return Page[CoursePublic](data=await service.public_views(session, rows), next_cursor=next_cursor)


@router.get("/{course_id}", response_model=CoursePublic)
async def get_course(course_id: Id, session: SessionDep, identity: IdentityDep, response: Response):
    """One course with its sessions and its ETag (drafts only for their provider and staff)."""
    return await _answer(session, response, await service.get_visible(session, course_id, identity))


@router.patch("/{course_id}", response_model=CoursePublic, dependencies=[SignedIn],
              responses={409: {"description": "only drafts and published courses can be changed"}})
async def update_course(course_id: Id, changes: CourseUpdate, request: Request, response: Response,
                        session: SessionDep, identity: IdentityDep, clock: ClockDep):
    """Change a draft or published course (its provider only; If-Match required)."""
    course = await service.get_visible(session, course_id, identity)
    service.check_editable(course, identity)
    check_if_match(request, course.version)
    course = await service.update(session, course=course, changes_in=changes, actor=identity, now=clock.now())
    return await _answer(session, response, course)


@router.get("/{course_id}/history", response_model=Page[HistoryEntry], dependencies=[SignedIn])
async def course_history(course_id: Id, session: SessionDep, identity: IdentityDep,
                         cursor: CursorQuery = None, limit: LimitQuery = 50):
    """Every change of the course, oldest first."""
    await service.get_visible(session, course_id, identity)
    return await read_history(session, aggregate_type=service.AGGREGATE, aggregate_id=course_id,
                              cursor=cursor, limit=limit)


@router.post("/{course_id}/{action}", response_model=CoursePublic, responses=CONFLICT, dependencies=[SignedIn])
async def transition_course(course_id: Id, action: Action, session: SessionDep, identity: IdentityDep,
                            clock: ClockDep, response: Response, body: Reason | None = None):
    """publish, withdraw (reason optional): the course's own provider. Publishing needs an accreditation in
    force covering the course's training area."""
    course = await service.get_visible(session, course_id, identity)
    course = await service.apply_transition(session, course=course, action=action, actor=identity,
                                            now=clock.now(), reason=body.reason if body else None)
    return await _answer(session, response, course)
