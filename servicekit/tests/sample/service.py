"""Rules of the sample notes: every change writes the row, its audit entry and its event together."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.history import record_change
from servicekit.outbox import emit
from servicekit.tests.sample.events import NoteChanged, NoteRecorded, note_state
from servicekit.tests.sample.models import NoteCreate, NoteUpdate, SampleNote

AGGREGATE = "sample_note"


def create(session: AsyncSession, *, note_in: NoteCreate, actor: str, now: datetime) -> SampleNote:
    """A new note at version 1."""
    note = SampleNote(**note_in.model_dump(), status="active", version=1, created_at=now, updated_at=now)
    session.add(note)
    record_change(session, aggregate_type=AGGREGATE, aggregate_id=note.id, version=1, action="create", actor=actor,
                  at=now, to_state=note.status)
    emit(session, NoteRecorded(aggregate_id=note.id, version=1, occurred_at=now, actor=actor,
                               supplier=note_state(note)))
    return note


def change(session: AsyncSession, *, note: SampleNote, note_in: NoteUpdate, actor: str, now: datetime) -> SampleNote:
    """Apply the given fields as the next version."""
    changes = note_in.model_dump(exclude_unset=True, exclude={"reason"})
    from_state = note.status
    for name, value in changes.items():
        setattr(note, name, value)
    note.version += 1
    note.updated_at = now
    session.add(note)
    record_change(session, aggregate_type=AGGREGATE, aggregate_id=note.id, version=note.version, action="change",
                  actor=actor, at=now, from_state=from_state, to_state=note.status, reason=note_in.reason,
                  changes=changes)
    emit(session, NoteChanged(aggregate_id=note.id, version=note.version, occurred_at=now, actor=actor,
                              reason=note_in.reason, supplier=note_state(note)))
    return note
