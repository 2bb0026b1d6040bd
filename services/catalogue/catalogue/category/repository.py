"""Queries over the categories table."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.category.models import Category


async def get(session: AsyncSession, code: str) -> Category | None:
    """One category by code."""
    return await session.get(Category, code)


async def list_all(session: AsyncSession, *, status: str | None = None, axis: str | None = None) -> list[Category]:
    """Every category matching the filters, by code (the taxonomy is small: no pages)."""
    statement = select(Category)
    if status:
        statement = statement.where(Category.status == status)
    if axis:
        statement = statement.where(Category.axis == axis)
    return list((await session.execute(statement.order_by(Category.code))).scalars().all())


async def active_children(session: AsyncSession, code: str) -> list[str]:
    """Codes of the active categories directly under `code`."""
    statement = (select(Category.code).where(Category.parent == code, Category.status == "active")
                 .order_by(Category.code))
    return list((await session.execute(statement)).scalars().all())


async def existing_codes(session: AsyncSession) -> set[str]:
    """Every code in the taxonomy, whatever its status."""
    return set((await session.execute(select(Category.code))).scalars().all())


async def axes_and_parents(session: AsyncSession) -> dict[str, tuple[str, str | None]]:
    """Every code in the taxonomy with its axis and parent: what checking a search filter needs, without
    loading whole categories."""
    rows = await session.execute(select(Category.code, Category.axis, Category.parent))
    return {code: (axis, parent) for code, axis, parent in rows}
