"""One state change, recorded the same way everywhere: its audit row and its event, together."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from events import Event
from servicekit.history import record_change
from servicekit.outbox import emit


def record_and_emit(session: AsyncSession, event: Event, *, aggregate_type: str, action: str,
                    from_state: str | None, to_state: str | None, changes: dict | None = None) -> None:
    """Add the audit row and the outbox row of a change already applied to the aggregate."""
    record_change(session, aggregate_type=aggregate_type, aggregate_id=event.aggregate_id, version=event.version,
                  action=action, actor=event.actor or "system", at=event.occurred_at, from_state=from_state,
                  to_state=to_state, reason=event.reason, changes=changes)
    emit(session, event)
