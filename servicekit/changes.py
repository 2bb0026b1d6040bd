"""One state change, recorded the same way everywhere: its audit row and its event, together."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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


@dataclass(frozen=True)
class ChangeRecorder:
    """How one kind of aggregate records its changes: its audit name, id and event snapshot."""

    aggregate_type: str
    snapshot: Callable[[Any], dict[str, Any]]  # the event fields carrying the aggregate's public state
    key: Callable[[Any], str] = lambda entity: entity.id

    def record(self, session: AsyncSession, entity: Any, event_type: type[Event], *, action: str, actor: str,
               at: datetime, from_state: str | None, reason: str | None = None, changes: dict | None = None) -> None:
        """Audit row and outbox event for a change already applied to `entity` (version and status set)."""
        session.add(entity)
        event = event_type(aggregate_id=self.key(entity), version=entity.version, occurred_at=at, actor=actor,
                           reason=reason, **self.snapshot(entity))
        record_and_emit(session, event, aggregate_type=self.aggregate_type, action=action, from_state=from_state,
                        to_state=entity.status, changes=changes)
