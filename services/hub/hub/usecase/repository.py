"""Queries over use cases and their links."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.registry.models import RegistryEntry, SourceRecord
from hub.usecase.models import UseCase, UseCaseLink
from servicekit.pagination import paginate


async def get(session: AsyncSession, use_case_id: str) -> UseCase | None:
    return await session.get(UseCase, use_case_id)


async def list_page(session: AsyncSession, *, agency: str | None, phase: str | None, cursor: str | None,
                    limit: int) -> tuple[list[UseCase], str | None]:
    """Use cases matching the filters, newest first."""
    statement = select(UseCase)
    if agency:
        statement = statement.where(func.lower(UseCase.agency) == agency.lower())
    if phase:
        statement = statement.where(UseCase.phase == phase)
    return await paginate(session, statement, order=[UseCase.created_at.desc(), UseCase.id.desc()],
                          cursor=cursor, limit=limit)


async def linking_any(session: AsyncSession, offering_ids: list[str]) -> dict[str, list[UseCase]]:
    """The use cases that link each of these offerings (an offering no use case links is absent)."""
    if not offering_ids:
        return {}
    rows = await session.execute(select(UseCaseLink.offering_id, UseCase)
                                 .join(UseCase, UseCaseLink.use_case_id == UseCase.id)
                                 .where(UseCaseLink.offering_id.in_(offering_ids)).order_by(UseCase.id))
    found: dict[str, list[UseCase]] = {}
    for offering_id, use_case in rows.all():
        found.setdefault(offering_id, []).append(use_case)
    return found


async def every(session: AsyncSession) -> list[UseCase]:
    return list((await session.execute(select(UseCase).order_by(UseCase.id))).scalars().all())


async def replace_links(session: AsyncSession, use_case_id: str, offering_ids: list[str]) -> None:
    await session.execute(delete(UseCaseLink).where(UseCaseLink.use_case_id == use_case_id))
    session.add_all(UseCaseLink(use_case_id=use_case_id, offering_id=o) for o in offering_ids)


async def offering_entries(session: AsyncSession, offering_ids: list[str]) -> dict[str, RegistryEntry]:
    """The registry entries of these offerings, by offering id (absent: never in the registry)."""
    if not offering_ids:
        return {}
    rows = (await session.execute(select(RegistryEntry).where(
        RegistryEntry.id.in_([f"offering:{o}" for o in offering_ids])))).scalars().all()
    return {row.source_id: row for row in rows}


async def category(session: AsyncSession, code: str) -> SourceRecord | None:
    return await session.get(SourceRecord, ("category", code))
