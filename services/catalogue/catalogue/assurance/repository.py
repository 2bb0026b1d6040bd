"""Queries over the assessment projection."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.assurance.models import AssessmentProjection


async def of_offering(session: AsyncSession, offering_id: str) -> list[AssessmentProjection]:
    statement = select(AssessmentProjection).where(AssessmentProjection.subject_id == offering_id)
    return list((await session.execute(statement)).scalars().all())
