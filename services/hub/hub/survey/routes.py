"""HTTP routes of the annual AI survey: the questions are public; an agency's buyer (or an admin) answers once a
year; answers are read by the client that submitted them and by admins. The public figures are in the insights."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from hub.survey import service
from hub.survey.models import SurveyResponseIn, SurveyResponsePublic
from hub.survey.questions import Questionnaire, questionnaire
from servicekit.api import ClockDep, IdentityDep, require_roles
from servicekit.db import SessionDep

router = APIRouter(prefix="/api/v1/registry/surveys", tags=["registry survey"])
Respondent = require_roles("buyer", "admin")
Year = Annotated[int, Path(ge=2000, le=2100, description="The survey's year")]


@router.get("/questions", response_model=Questionnaire)
async def survey_questions():
    """The survey's questions, each with its kind and options (no token needed)."""
    return questionnaire()


@router.get("/responses/{response_id}", response_model=SurveyResponsePublic, dependencies=[Respondent],
            responses={404: {"description": "no such response, or not the caller's to read"}})
async def read_survey_response(response_id: str, session: SessionDep, identity: IdentityDep):
    """One response: its submitter and admins read it (to anyone else it does not exist)."""
    return SurveyResponsePublic.model_validate(await service.get_visible(session, response_id, actor=identity),
                                               from_attributes=True)


@router.post("/{year}", status_code=201, response_model=SurveyResponsePublic, dependencies=[Respondent], responses={
    409: {"description": "the agency has already answered this year's survey"},
    422: {"description": "an answer is missing or not valid, or the year's survey is not open"}})
async def answer_survey(year: Year, response_in: SurveyResponseIn, session: SessionDep, identity: IdentityDep,
                        clock: ClockDep, response: Response):
    """Answer the year's survey for an agency, once (during that year)."""
    answered = await service.submit(session, year=year, response_in=response_in, actor=identity, now=clock.now())
    response.headers["Location"] = f"{router.prefix}/responses/{answered.id}"
    return SurveyResponsePublic.model_validate(answered, from_attributes=True)


@router.get("/{year}", response_model=list[SurveyResponsePublic], dependencies=[Respondent])
async def read_survey_answers(year: Year, session: SessionDep, identity: IdentityDep):
    """The year's responses the caller may read: a buyer its own, an admin every agency's."""
    return [SurveyResponsePublic.model_validate(r, from_attributes=True)
            for r in await service.visible(session, year=year, actor=identity)]
