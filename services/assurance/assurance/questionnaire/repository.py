"""Queries over the published questionnaires."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from assurance.questionnaire.models import Questionnaire


async def get(session: AsyncSession, version: int) -> Questionnaire | None:
    return await session.get(Questionnaire, version)


async def latest_version(session: AsyncSession) -> int:
    """The newest version's number; 0 before any is stored."""
    return (await session.execute(select(func.coalesce(func.max(Questionnaire.version), 0)))).scalar_one()


async def every_version(session: AsyncSession) -> list[Questionnaire]:
    return list((await session.execute(select(Questionnaire).order_by(Questionnaire.version))).scalars().all())
