"""Sessions of a course (schema.org CourseInstance): the table, what a provider sends, what callers see.

A session counts its registrations itself (`registered`, `waitlisted`), so a registration can take a
place with one conditional UPDATE that never goes past capacity, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, Field, model_validator
from sqlmodel import Field as ColumnField
from sqlmodel import SQLModel

from events.training import SessionState
from servicekit.models import StrictModel
from servicekit.tables import utc_column


class SessionCreate(StrictModel):
    """A session to schedule: start before end, online or at a location, at least one place."""

    starts_at: AwareDatetime
    ends_at: AwareDatetime
    online: bool
    location: Annotated[str | None, Field(min_length=1, max_length=300)] = None
    capacity: Annotated[int, Field(ge=1, le=10000)]

    @model_validator(mode="after")
    def _consistent(self):
        if self.starts_at >= self.ends_at:
            raise ValueError("starts_at must be before ends_at")
        if not self.online and not self.location:
            raise ValueError("a session that is not online needs a location")
        return self


class CourseSession(SQLModel, table=True):
    """A scheduled run of a course with its place counters."""

    __tablename__ = "training_sessions"

    id: str = ColumnField(default_factory=lambda: str(uuid.uuid4()), primary_key=True, max_length=36)
    course_id: str = ColumnField(max_length=36, index=True)
    starts_at: datetime = ColumnField(sa_column=utc_column())
    ends_at: datetime = ColumnField(sa_column=utc_column())
    online: bool
    location: str | None = ColumnField(default=None, max_length=300)
    capacity: int
    registered: int = 0
    waitlisted: int = 0
    # Hands out waitlist order; only grows, so order survives cancellations and promotions.
    waitlist_seq: int = 0
    created_at: datetime = ColumnField(sa_column=utc_column())


class SessionPublic(SessionState):
    """A scheduled run of a course, with how full it is."""

    course_id: str
    registered: int
    waitlisted: int
    places_left: int

    @classmethod
    def of(cls, session: CourseSession) -> SessionPublic:
        places_left = max(session.capacity - session.registered, 0)
        return cls.model_validate({**session.model_dump(), "places_left": places_left})
