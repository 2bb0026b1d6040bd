"""Putting an entry's change in the sync queue, in the transaction of the change itself."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy.ext.asyncio import AsyncSession

from hub.sync.models import SyncItem
from servicekit.db import wake_on_commit

# The database signal set after a transaction that queued a push commits; the sender waits on it.
SYNC_SIGNAL = "hub_sync"


async def enqueue(session: AsyncSession, entry_id: str, version: int) -> None:
    """Ask for the entry's current state to be pushed; a row already waiting keeps its place and backoff."""
    # Wall-clock time: retries happen in real time, whatever clock the registry's changes carry.
    now = datetime.now(timezone.utc)
    item = await session.get(SyncItem, entry_id)
    if item is None:
        session.add(SyncItem(entry_id=entry_id, entry_version=version, enqueued_at=now, next_attempt_at=now))
    else:
        item.entry_version = max(item.entry_version, version)
        session.add(item)
    wake_on_commit(session, SYNC_SIGNAL)
