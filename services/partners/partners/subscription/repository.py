"""Queries of subscriptions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from partners.subscription.models import Subscription
from servicekit.pagination import paginate


async def get(session: AsyncSession, subscription_id: str, *, for_update: bool = False) -> Subscription | None:
    statement = select(Subscription).where(Subscription.id == subscription_id)
    if for_update:
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalars().first()


async def list_page(session: AsyncSession, *, owner: str | None, cursor: str | None,
                    limit: int) -> tuple[list[Subscription], str | None]:
    """Oldest first; every partner's for `owner=None` (an admin)."""
    statement = select(Subscription)
    if owner is not None:
        statement = statement.where(Subscription.owner == owner)
    return await paginate(session, statement, order=[Subscription.created_at, Subscription.id], cursor=cursor,
                          limit=limit)


async def enabled(session: AsyncSession) -> list[Subscription]:
    """Every subscription receiving deliveries now."""
    return list((await session.execute(select(Subscription).where(Subscription.status == "enabled"))).scalars())
