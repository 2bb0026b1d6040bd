"""The rules of the store: what enters it (the visibility table decides), and the feed's cursor."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from events import Envelope, Event
from partners.feed import repository
from partners.feed.models import StoredEvent
from partners.visibility import Public, rule_for
from servicekit.pagination import decode_cursor, encode_cursor
from servicekit.problems import Problem

FEED_SIGNAL = "partner-events"


async def store(session: AsyncSession, *, envelope: Envelope, event: Event, now: datetime,
                is_sqlite: bool) -> StoredEvent | None:
    """Keep the event when partners may see it, cut to its public fields; None when they may not."""
    rule = rule_for(envelope.type)
    if not isinstance(rule, Public):
        return None
    was_public = await repository.was_public(session, event.TOPIC, envelope.subject)
    if not rule.admits(envelope.data, was_public=was_public):
        return None
    await repository.mark_public(session, event.TOPIC, envelope.subject, now)
    await repository.lock_order(session, is_sqlite=is_sqlite)
    stored = StoredEvent(event_id=envelope.id, type=envelope.type, source=envelope.source, subject=envelope.subject,
                         time=envelope.time, data=rule.project(envelope.data), stored_at=now)
    session.add(stored)
    await session.flush()  # its seq, for the deliveries that follow it
    return stored


async def store_private(session: AsyncSession, *, envelope: Envelope, subscription_id: str, now: datetime,
                        is_sqlite: bool) -> StoredEvent:
    """An event for one subscription only (a test delivery), kept out of the feed."""
    await repository.lock_order(session, is_sqlite=is_sqlite)
    stored = StoredEvent(event_id=envelope.id, type=envelope.type, source=envelope.source, subject=envelope.subject,
                         time=envelope.time, data=envelope.data, private_to=subscription_id, stored_at=now)
    session.add(stored)
    await session.flush()
    return stored


def cursor_for(seq: int) -> str:
    return encode_cursor([seq])


def position(cursor: str | None) -> int:
    """The store position a feed cursor stands for (0: the start of what is kept)."""
    if not cursor:
        return 0
    (seq,) = decode_cursor(cursor, 1)
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise Problem(400, "cursor is not one this feed gave out", kind="invalid-cursor")
    return seq


async def purge(session: AsyncSession, *, now: datetime, retention_days: float) -> int:
    """Forget events older than the retention period."""
    return await repository.purge_before(session, now - timedelta(days=retention_days))
