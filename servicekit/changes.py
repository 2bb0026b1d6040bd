"""One state change, recorded the same way everywhere: its audit row and its event, together."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi.encoders import jsonable_encoder
from sqlalchemy.ext.asyncio import AsyncSession

from events import Event
from servicekit.history import record_change
from servicekit.outbox import emit
from servicekit.problems import validation_problem


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
               at: datetime, from_state: str | None, reason: str | None = None, changes: dict | None = None,
               **fields: Any) -> None:
        """Audit row and outbox event for a change already applied to `entity` (version and status set);
        `fields` are the event type's own fields beside the snapshot."""
        session.add(entity)
        event = event_type(aggregate_id=self.key(entity), version=entity.version, occurred_at=at, actor=actor,
                           reason=reason, **self.snapshot(entity), **fields)
        record_and_emit(session, event, aggregate_type=self.aggregate_type, action=action, from_state=from_state,
                        to_state=entity.status, changes=changes)


def refuse_removals(requested: dict[str, Any]) -> None:
    """422 when a partial update sends null for a field that may be changed but not removed."""
    if None in requested.values():
        field = next(name for name, value in requested.items() if value is None)
        raise validation_problem([{"field": field, "message": "may be changed but not removed"}])


def apply_changes(entity: Any, requested: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Set the requested fields that differ; when any did, bump the version and `updated_at`.

    Returns what changed as {field: {"from", "to"}} (JSON-ready, for the audit row); empty when nothing did."""
    changed = {name: {"from": getattr(entity, name), "to": value} for name, value in requested.items()
               if getattr(entity, name) != value}
    for name, change in changed.items():
        setattr(entity, name, change["to"])
    if changed:
        entity.version += 1
        entity.updated_at = now
    return jsonable_encoder(changed)
