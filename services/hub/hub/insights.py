"""Counts over the public registry (by type, category, agency and risk level, and over time) and over the use
cases (by phase): a read across both domains, so it sits above them."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.registry.models import RegistryEntry
from hub.usecase.models import UseCase


class Month(BaseModel):
    """Entries that first appeared in one month, and how many were in the registry by its end."""

    month: str
    added: int
    by_type: dict[str, int]
    cumulative: int


class Insights(BaseModel):
    """Listed entries counted several ways; phases count every use case, retired ones too."""

    total: int
    by_type: dict[str, int]
    by_category: dict[str, int]
    by_agency: dict[str, int]
    by_risk_level: dict[str, int]
    by_phase: dict[str, int]
    over_time: list[Month]


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


async def insights(session: AsyncSession) -> Insights:
    listed = RegistryEntry.listed.is_(True)
    by_type = await _count_by(session, RegistryEntry.type, listed)
    return Insights(
        total=sum(by_type.values()), by_type=by_type,
        by_category=await _count_by(session, RegistryEntry.category, listed),
        by_agency=await _count_by(session, RegistryEntry.agency, listed),
        by_risk_level=await _count_by(session, RegistryEntry.risk_level, listed),
        by_phase=await _count_by(session, UseCase.phase),
        over_time=await _over_time(session),
    )
