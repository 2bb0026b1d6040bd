"""HTTP routes of questionnaires: every version is public; an admin publishes the next one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from assurance import flows
from assurance.questionnaire import repository, service
from assurance.questionnaire.models import QuestionnaireIn, QuestionnairePublic, QuestionnaireSummary
from servicekit.api import ClockDep, IdentityDep, require_roles
from servicekit.db import SessionDep
from servicekit.idempotency import IdempotencyDep

router = APIRouter(prefix="/api/v1/assurance/questionnaires", tags=["assurance questionnaires"])
Admin = require_roles("admin")
Version = Annotated[int, Path(ge=1, le=1_000_000)]


def _public(questionnaire, latest: int) -> QuestionnairePublic:
    return QuestionnairePublic.model_validate({**questionnaire.model_dump(), "current": questionnaire.version == latest})


@router.get("", response_model=list[QuestionnaireSummary])
async def list_questionnaires(session: SessionDep):
    """Every published version, oldest first (no token needed)."""
    versions = await repository.every_version(session)
    latest = versions[-1].version if versions else 0
    return [QuestionnaireSummary(version=q.version, title=q.title, published_at=q.published_at,
                                 questions=sum(len(section["questions"]) for section in q.sections),
                                 current=q.version == latest) for q in versions]


@router.get("/current", response_model=QuestionnairePublic)
async def current_questionnaire(session: SessionDep):
    """The version new assessments are answered on (no token needed)."""
    questionnaire = await service.current(session)
    return _public(questionnaire, questionnaire.version)


@router.get("/{version}", response_model=QuestionnairePublic)
async def get_questionnaire(version: Version, session: SessionDep):
    """One version, current or not (no token needed)."""
    return _public(await service.get(session, version), await repository.latest_version(session))


@router.post("", status_code=201, response_model=QuestionnairePublic, dependencies=[Admin])
async def publish_questionnaire(questionnaire_in: QuestionnaireIn, session: SessionDep, identity: IdentityDep,
                                clock: ClockDep, idempotency: IdempotencyDep, request: Request) -> Response:
    """Publish the next version (Idempotency-Key honoured): new assessments use it, and every accepted assessment
    answered on an older version becomes due for renewal."""
    if replay := await idempotency.replay():
        return replay
    questionnaire = await flows.publish_questionnaire(session, questionnaire_in=questionnaire_in, actor=identity,
                                                      now=clock.now())
    return idempotency.respond(201, _public(questionnaire, questionnaire.version),
                               headers={"Location": f"{request.url.path}/{questionnaire.version}"})
