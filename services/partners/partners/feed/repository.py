"""Queries of the store of deliverable events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from partners.feed.models import PublicSubject, StoredEvent

# Held from the first insert to the commit, so sequence numbers become visible in the order they were given
# out: a reader paging by `seq` never passes a number whose transaction commits later (no gaps on PostgreSQL,
# where another transaction may hold a lower number still uncommitted). SQLite has one writer anyway.
STORE_LOCK = text("SELECT pg_advisory_xact_lock(hashtext('partner-events'))")


async def lock_order(session: AsyncSession, *, is_sqlite: bool) -> None:
    if not is_sqlite:
        await session.execute(STORE_LOCK)


async def by_event_id(session: AsyncSession, event_id: str) -> StoredEvent | None:
    return (await session.execute(select(StoredEvent).where(StoredEvent.event_id == event_id))).scalars().first()


async def by_seq(session: AsyncSession, seqs: list[int]) -> dict[int, StoredEvent]:
    rows = (await session.execute(select(StoredEvent).where(StoredEvent.seq.in_(seqs)))).scalars()
    return {row.seq: row for row in rows}


async def was_public(session: AsyncSession, topic: str, subject: str) -> bool:
    return await session.get(PublicSubject, (topic, subject)) is not None


async def mark_public(session: AsyncSession, topic: str, subject: str, at: datetime) -> None:
    if not await was_public(session, topic, subject):
        session.add(PublicSubject(topic=topic, subject=subject, first_public_at=at))


async def page(session: AsyncSession, *, after: int, limit: int, types: list[str] | None) -> list[StoredEvent]:
    """Public events after `after` in store order (the types exact or prefixes ending in *)."""
    statement = select(StoredEvent).where(StoredEvent.seq > after, StoredEvent.private_to.is_(None))
    if types:
        statement = statement.where(or_(*(StoredEvent.type.startswith(t[:-1], autoescape=True) if t.endswith("*")
                                          else StoredEvent.type == t for t in types)))
    return list((await session.execute(statement.order_by(StoredEvent.seq).limit(limit))).scalars())


async def since(session: AsyncSession, moment: datetime) -> list[StoredEvent]:
    """Public events from `moment` on, in store order."""
    statement = select(StoredEvent).where(StoredEvent.time >= moment, StoredEvent.private_to.is_(None))
    return list((await session.execute(statement.order_by(StoredEvent.seq))).scalars())


async def purge_before(session: AsyncSession, moment: datetime) -> int:
    result = await session.execute(delete(StoredEvent).where(StoredEvent.stored_at < moment))
    return result.rowcount or 0
