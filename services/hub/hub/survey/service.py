"""Rules of the annual AI survey: an agency answers once a year, during that year; its answers are read
only by the client that submitted them and by admins (the identity carries no agency, so the submitter
stands for the agency)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.survey.models import SurveyResponse, SurveyResponseIn
from hub.survey.questions import answer_errors, questionnaire
from hub.usecase.service import agency_for
from servicekit.history import record_change
from servicekit.identity import Identity, agency_key
from servicekit.problems import conflict, not_found, validation_problem

AGGREGATE = "survey_response"


def _check_year(year: int, now: datetime) -> None:
    """The survey of a year is answered during that year only: once it closes its figures are published,
    and they never change after (a late answer would show the difference, one agency's answers)."""
    first = questionnaire().first_year
    if year != now.year:
        raise validation_problem([{"field": "year", "message": (
            f"the {year} survey is answered during {year}; open now: {now.year}" if year >= first else
            f"the survey starts in {first}")}])


async def submit(session: AsyncSession, *, year: int, response_in: SurveyResponseIn, actor: Identity,
                 now: datetime) -> SurveyResponse:
    """Record an agency's answers for the year: 422 naming each bad answer, 409 when it answered already."""
    _check_year(year, now)
    if errors := answer_errors(response_in.answers):
        raise validation_problem(errors)
    agency = agency_for(actor, response_in.agency)
    key = agency_key(agency)
    if await session.scalar(select(SurveyResponse.id).where(SurveyResponse.agency_key == key,
                                                            SurveyResponse.year == year)):
        raise conflict(f"{agency} has already answered the {year} survey; an agency answers once a year")
    response = SurveyResponse(agency=agency, agency_key=key, year=year, answers=response_in.answers,
                              submitted_by=actor.subject, submitted_at=now)
    session.add(response)
    record_change(session, aggregate_type=AGGREGATE, aggregate_id=response.id, version=1, action="submit",
                  actor=actor.subject, at=now, to_state="submitted")
    return response


async def get_visible(session: AsyncSession, response_id: str, *, actor: Identity) -> SurveyResponse:
    """The response, when the caller may read it; 404 otherwise, so no one learns another agency's exists."""
    response = await session.get(SurveyResponse, response_id)
    if response is None or not (actor.has_role("admin") or response.agency_key == _own_agency_key(actor)):
        raise not_found("survey response", response_id)
    return response


async def visible(session: AsyncSession, *, year: int | None, actor: Identity) -> list[SurveyResponse]:
    """The responses the caller may read (admins: every one; a buyer: its agency's), oldest year first."""
    statement = select(SurveyResponse).order_by(SurveyResponse.year, SurveyResponse.agency_key)
    if year is not None:
        statement = statement.where(SurveyResponse.year == year)
    if not actor.has_role("admin"):
        statement = statement.where(SurveyResponse.agency_key == _own_agency_key(actor))
    return list((await session.execute(statement)).scalars().all())


async def every(session: AsyncSession) -> list[SurveyResponse]:
    return list((await session.execute(select(SurveyResponse).order_by(SurveyResponse.year))).scalars().all())


def _own_agency_key(actor: Identity) -> str | None:
    """The key of the agency the caller's client is bound to; None matches no response."""
    return agency_key(actor.agency) if actor.agency else None
