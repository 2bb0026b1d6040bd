"""Putting an entry's change in the sync queue, in the transaction of the change itself."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from sqlalchemy.ext.asyncio import AsyncSession

from hub.sync.models import SyncItem
from servicekit.db import Database, after_commit

# Present in the sessions' shared info only while a sync target is configured; set after commit
# to wake the sender.
SYNC_SIGNAL = "hub_sync_signal"


def enable(database: Database) -> asyncio.Event:
    """Turn queueing on for this database's sessions; returns the sender's wake-up signal."""
    signal = database.session_info.setdefault(SYNC_SIGNAL, asyncio.Event())
    return signal


def enabled(session: AsyncSession) -> bool:
    return SYNC_SIGNAL in session.info


async def enqueue(session: AsyncSession, entry_id: str, version: int) -> None:
    """Ask for the entry's current state to be pushed; a row already waiting keeps its place and backoff."""
    signal: asyncio.Event | None = session.info.get(SYNC_SIGNAL)
    if signal is None:
        return
    # Wall-clock time: retries happen in real time, whatever clock the registry's changes carry.
    now = datetime.now(timezone.utc)
    item = await session.get(SyncItem, entry_id)
    if item is None:
        session.add(SyncItem(entry_id=entry_id, entry_version=version, enqueued_at=now, next_attempt_at=now))
    else:
        item.entry_version = max(item.entry_version, version)
        session.add(item)
    after_commit(session, signal.set)
