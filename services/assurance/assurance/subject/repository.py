"""Queries over the subjects the service knows."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from assurance.subject.models import OfferingProjection, UseCaseProjection


async def offering(session: AsyncSession, offering_id: str) -> OfferingProjection | None:
    return await session.get(OfferingProjection, offering_id)


async def use_case(session: AsyncSession, use_case_id: str) -> UseCaseProjection | None:
    return await session.get(UseCaseProjection, use_case_id)
