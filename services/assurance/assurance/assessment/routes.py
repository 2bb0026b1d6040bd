"""HTTP routes of assessments: a supplier assesses its offerings, a buyer its agency's use cases; assessors
review. An assessment is seen by its owner, assessors and admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from assurance.assessment import repository, service
from assurance.assessment.models import AssessmentCreate, AssessmentPublic, AssessmentUpdate, Review
from events.assurance import AssessmentStatus, SubjectType
from servicekit.api import ClockDep, IdentityDep, require_roles
from servicekit.concurrency import check_if_match, set_etag
from servicekit.db import SessionDep
from servicekit.history import HistoryEntry, read_history
from servicekit.idempotency import IdempotencyDep
from servicekit.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(prefix="/api/v1/assurance/assessments", tags=["assurance assessments"])
SignedIn = require_roles("admin", "assessor", "buyer", "partner", "supplier")
Owner = require_roles("supplier", "buyer")
CONFLICT = {409: {"description": "the life cycle does not allow this from the current state, or a question is "
                                 "unanswered"}}


def _public(assessment) -> AssessmentPublic:
    return AssessmentPublic.model_validate(assessment, from_attributes=True)


def _answer(response: Response, assessment) -> AssessmentPublic:
    set_etag(response, assessment.version)
    return _public(assessment)


@router.post("", status_code=201, response_model=AssessmentPublic, dependencies=[Owner],
             responses={404: {"description": "the offering belongs to another supplier"},
                        409: {"description": "the subject is not known yet, is retired, or has an open assessment"}})
async def create_assessment(assessment_in: AssessmentCreate, session: SessionDep, identity: IdentityDep,
                            clock: ClockDep, idempotency: IdempotencyDep, request: Request) -> Response:
    """Start a draft assessment on the current questionnaire (Idempotency-Key honoured): an offering by its
    supplier, a use case by a buyer."""
    if replay := await idempotency.replay():
        return replay
    assessment = await service.create(session, assessment_in=assessment_in, actor=identity, now=clock.now())
    return idempotency.respond(201, _public(assessment), headers={
        "Location": f"{request.url.path}/{assessment.id}", "ETag": f'"{assessment.version}"'})


@router.get("", response_model=Page[AssessmentPublic], dependencies=[SignedIn])
async def list_assessments(session: SessionDep, identity: IdentityDep, cursor: CursorQuery = None,
                           limit: LimitQuery = 50, status: AssessmentStatus | None = None,
                           subject_type: SubjectType | None = None,
                           subject_id: Annotated[str | None, Query(max_length=36)] = None):
    """Assessments, newest first: a supplier sees its own offerings', a buyer those it started, assessors and
    admins every one."""
    service.check_reader(identity)
    owner = supplier_id = None
    if not service.sees_everything(identity):
        if identity.has_role("supplier"):
            supplier_id, subject_type = identity.supplier_id, "offering"
        else:
            owner, subject_type = identity.subject, "use_case"
    rows, next_cursor = await repository.list_page(session, owner=owner, supplier_id=supplier_id,
                                                   subject_type=subject_type, subject_id=subject_id, status=status,
                                                   cursor=cursor, limit=limit)
    return Page[AssessmentPublic](data=[_public(r) for r in rows], next_cursor=next_cursor)


@router.get("/{assessment_id}", response_model=AssessmentPublic, dependencies=[SignedIn])
async def get_assessment(assessment_id: str, session: SessionDep, identity: IdentityDep, response: Response):
    """One assessment with its score worked out answer by answer, and its ETag."""
    return _answer(response, await service.get_visible(session, assessment_id, identity))


@router.patch("/{assessment_id}", response_model=AssessmentPublic, dependencies=[SignedIn],
              responses={409: {"description": "only drafts and returned assessments can be changed"}})
async def update_assessment(assessment_id: str, changes: AssessmentUpdate, request: Request, response: Response,
                            session: SessionDep, identity: IdentityDep, clock: ClockDep):
    """Set, change or clear answers of a draft or returned assessment (its owner; If-Match required)."""
    assessment = await service.get_visible(session, assessment_id, identity)
    service.check_editable(assessment, identity)
    check_if_match(request, assessment.version)
    assessment = await service.update(session, assessment=assessment, changes_in=changes, actor=identity,
                                      now=clock.now())
    return _answer(response, assessment)


@router.get("/{assessment_id}/history", response_model=Page[HistoryEntry], dependencies=[SignedIn])
async def assessment_history(assessment_id: str, session: SessionDep, identity: IdentityDep,
                             cursor: CursorQuery = None, limit: LimitQuery = 50):
    """Every change of the assessment, oldest first."""
    await service.get_visible(session, assessment_id, identity)
    return await read_history(session, aggregate_type=service.AGGREGATE, aggregate_id=assessment_id,
                              cursor=cursor, limit=limit)


@router.post("/{assessment_id}/submit", response_model=AssessmentPublic, responses=CONFLICT, dependencies=[SignedIn])
async def submit_assessment(assessment_id: str, session: SessionDep, identity: IdentityDep, clock: ClockDep,
                            response: Response):
    """The owner submits a draft or returned assessment with every question answered."""
    assessment = await service.get_visible(session, assessment_id, identity)
    return _answer(response, await service.apply_transition(session, assessment=assessment, action="submit",
                                                            actor=identity, now=clock.now()))


@router.post("/{assessment_id}/review", response_model=AssessmentPublic, responses=CONFLICT,
             dependencies=[SignedIn])
async def review_assessment(assessment_id: str, review: Review, session: SessionDep, identity: IdentityDep,
                            clock: ClockDep, request: Request, response: Response):
    """An assessor accepts a submitted assessment (current for twelve months) or returns it with comments on its
    questions."""
    assessment = await service.get_visible(session, assessment_id, identity)
    assessment = await service.review(session, assessment=assessment, review_in=review, actor=identity,
                                      now=clock.now(), current_months=request.app.state.settings.current_months)
    return _answer(response, assessment)
