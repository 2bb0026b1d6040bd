"""Counts over the public registry (by type, category, agency and risk level, and over time), over the use
cases (by phase), and the annual survey's figures year on year across the public service and, by agency,
what is public already: a read across the domains, so it sits above them. What of the survey is public is
decided in `hub.survey.figures`."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.registry.models import RegistryEntry
from hub.survey import figures
from hub.survey import service as surveys
from hub.survey.figures import SurveyYear
from hub.usecase.models import UseCase


class Month(BaseModel):
    """Entries that first appeared in one month, and how many were in the registry by its end."""

    month: str
    added: int
    by_type: dict[str, int]
    cumulative: int


class AgencyYear(BaseModel):
    """One agency's year: use cases it registered (retired ones too) and whether it answered the survey."""

    year: int
    use_cases_registered: int
    answered_survey: bool


class Insights(BaseModel):
    """Listed entries counted several ways; phases count every use case, retired ones too; the survey year on
    year, and each agency's years."""

    total: int
    by_type: dict[str, int]
    by_category: dict[str, int]
    by_agency: dict[str, int]
    by_risk_level: dict[str, int]
    by_phase: dict[str, int]
    over_time: list[Month]
    surveys: list[SurveyYear]
    agencies_by_year: dict[str, list[AgencyYear]]


async def _count_by(session: AsyncSession, column, *where) -> dict[str, int]:
    rows = await session.execute(select(column, func.count()).where(*where).group_by(column).order_by(column))
    return {value: count for value, count in rows.all() if value is not None}


async def _over_time(session: AsyncSession) -> list[Month]:
    months: dict[str, dict[str, int]] = {}
    rows = await session.execute(select(RegistryEntry.type, RegistryEntry.first_listed_at)
                                 .where(RegistryEntry.listed.is_(True), RegistryEntry.first_listed_at.is_not(None)))
    for type_, first in rows.all():
        by_type = months.setdefault(first.strftime("%Y-%m"), {})
        by_type[type_] = by_type.get(type_, 0) + 1
    timeline, running = [], 0
    for month in sorted(months):
        added = sum(months[month].values())
        running += added
        timeline.append(Month(month=month, added=added, by_type=dict(sorted(months[month].items())),
                              cumulative=running))
    return timeline


async def _agencies_by_year(session: AsyncSession, answered: dict[str, set[int]], *,
                            now: datetime) -> dict[str, list[AgencyYear]]:
    """Each agency (named as it first appears, its use cases' names and its survey's alike) from its first
    year to this one."""
    names: dict[str, str] = {}
    registered: dict[str, dict[int, int]] = {}
    for agency, created_at in (await session.execute(select(UseCase.agency, UseCase.created_at))).all():
        key = surveys.agency_key(agency)
        names.setdefault(key, agency)
        registered.setdefault(key, {}).setdefault(created_at.year, 0)
        registered[key][created_at.year] += 1
    years_answered: dict[str, set[int]] = {}
    for agency, years in answered.items():
        key = surveys.agency_key(agency)
        names.setdefault(key, agency)
        years_answered.setdefault(key, set()).update(years)
    shown = {}
    for key, name in sorted(names.items(), key=lambda item: item[1]):
        counts, answered_years = registered.get(key, {}), years_answered.get(key, set())
        first = min([*counts, *answered_years])
        shown[name] = [AgencyYear(year=year, use_cases_registered=counts.get(year, 0),
                                  answered_survey=year in answered_years) for year in range(first, now.year + 1)]
    return shown


async def insights(session: AsyncSession, *, now: datetime, min_agencies: int) -> Insights:
    listed = RegistryEntry.listed.is_(True)
    responses = await surveys.every(session)
    by_type = await _count_by(session, RegistryEntry.type, listed)
    return Insights(
        total=sum(by_type.values()), by_type=by_type,
        by_category=await _count_by(session, RegistryEntry.category, listed),
        by_agency=await _count_by(session, RegistryEntry.agency, listed),
        by_risk_level=await _count_by(session, RegistryEntry.risk_level, listed),
        by_phase=await _count_by(session, UseCase.phase),
        over_time=await _over_time(session),
        surveys=figures.by_year(responses, now=now, min_agencies=min_agencies),
        agencies_by_year=await _agencies_by_year(session, figures.answered_by_agency(responses), now=now),
    )
