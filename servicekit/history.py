"""Audit history: one row for every state change, written in the change's own transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.pagination import Page, paginate
from servicekit.tables import AuditEntry


class HistoryEntry(BaseModel):
    version: int
    action: str
    from_state: str | None
    to_state: str | None
    actor: str
    reason: str | None
    changes: dict[str, Any] | None
    at: datetime


def record_change(session: AsyncSession, *, aggregate_type: str, aggregate_id: str, version: int, action: str,
                  actor: str, at: datetime, from_state: str | None = None, to_state: str | None = None,
                  reason: str | None = None, changes: dict[str, Any] | None = None) -> None:
    """Add the audit row for one change of one aggregate."""
    session.add(AuditEntry(aggregate_type=aggregate_type, aggregate_id=aggregate_id, version=version, action=action,
                           from_state=from_state, to_state=to_state, actor=actor, reason=reason,
                           changes=changes, at=at))


async def read_history(session: AsyncSession, *, aggregate_type: str, aggregate_id: str,
                       cursor: str | None, limit: int) -> Page[HistoryEntry]:
    """The aggregate's changes, oldest first, one page at a time."""
    statement = select(AuditEntry).where(AuditEntry.aggregate_type == aggregate_type,
                                         AuditEntry.aggregate_id == aggregate_id)
    rows, next_cursor = await paginate(session, statement, order=[AuditEntry.version, AuditEntry.id],
                                       cursor=cursor, limit=limit)
    return Page[HistoryEntry](data=[HistoryEntry.model_validate(r, from_attributes=True) for r in rows],
                              next_cursor=next_cursor)
