"""Projections: a service's own copy of another service's aggregates, kept from the snapshots their events
carry. The consumer has already dropped events older than what a row holds, so the latest snapshot wins."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

Row = TypeVar("Row")


class Snapshot(Protocol):
    version: int
    occurred_at: datetime


async def keep_snapshot(session: AsyncSession, model: type[Row], key: str, event: Snapshot,
                        fields: dict[str, Any]) -> Row:
    """Insert or replace the row `key` of `model` with `fields`, stamped with the event's version and time;
    flushed, so what follows in the same transaction reads it."""
    row = await session.get(model, key) or model(id=key)
    for name, value in fields.items():
        setattr(row, name, value)
    row.version = event.version
    row.changed_at = event.occurred_at
    row.applied_at = datetime.now(timezone.utc)
    session.add(row)
    await session.flush()
    return row
