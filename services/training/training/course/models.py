"""Courses: what a provider sends (one field list for creating and changing), the table, and what callers
see. The table and the public model stay apart from the request on purpose (nzqa in two columns, derived
search columns; the provider's name and the sessions); tests/test_course_fields.py fails when they drift."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import datetime
from typing import Annotated

from fastapi import Path
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import JSON, Column, Text
from sqlmodel import Field as ColumnField
from sqlmodel import SQLModel

from events.accreditation import Audience, TrainingArea
from events.training import (CourseChangeCause, CourseLevel, CourseState, CourseStatus, DeliveryMode, Language,
                             Nzqa, Pacing, SessionState)
from servicekit.models import StrictModel, optional
from servicekit.tables import utc_column

# The id in a path of any training route (a course's, a session's, a registration's).
Id = Annotated[str, Path(max_length=64)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Description = Annotated[str, Field(min_length=1, max_length=10000)]
CourseCode = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
Hours = Annotated[float, Field(gt=0, le=10000, allow_inf_nan=False)]
Price = Annotated[float, Field(ge=0, le=1_000_000, allow_inf_nan=False, description="NZD; 0 means free")]
Audiences = Annotated[list[Audience], Field(min_length=1, max_length=5)]
Prerequisites = Annotated[list[Annotated[str, Field(min_length=1, max_length=500)]], Field(max_length=20)]


# A session counts its registrations itself (`registered`, `waitlisted`), so a registration can take a
# place with one conditional UPDATE that never goes past capacity, on SQLite and PostgreSQL alike.
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


class NzqaIn(StrictModel):
    """NZQA credits and level, when the course carries them."""

    credits: Annotated[int, Field(ge=1, le=1000)]
    level: Annotated[int, Field(ge=1, le=10)]


def _distinct(values: list | None, field: str) -> None:
    if values and len(set(values)) != len(values):
        raise ValueError(f"{field} must not repeat a value")


class CourseBase(StrictModel):
    """What a provider says of its course: the fields it starts a draft with and may change later."""

    name: Name
    description: Description
    course_code: CourseCode
    training_area: TrainingArea
    audiences: Audiences
    level: CourseLevel
    mode: DeliveryMode
    pacing: Pacing
    workload_hours: Hours
    language: Language
    price_nzd: Price
    nzqa: NzqaIn | None = None
    prerequisites: Prerequisites = []

    @model_validator(mode="after")
    def _distinct_audiences(self):
        _distinct(self.audiences, "audiences")
        return self


class CourseCreate(CourseBase):
    """A draft course, as its provider starts it."""


class CourseUpdate(optional(CourseBase)):
    """What a provider changes of its course; `nzqa` may be set to null (the course carries no credits)."""


class Course(SQLModel, table=True):
    """A course as the training service keeps it. `audience_tags` and `search_text` are derived columns
    that let the list filter by audience and search text the same way on SQLite and PostgreSQL."""

    __tablename__ = "training_courses"

    id: str = ColumnField(default_factory=lambda: str(uuid.uuid4()), primary_key=True, max_length=36)
    provider_id: str = ColumnField(max_length=36, index=True)
    accreditation_id: str | None = ColumnField(default=None, max_length=36, index=True)
    name: str = ColumnField(max_length=200)
    description: str = ColumnField(sa_column=Column(Text, nullable=False))
    course_code: str = ColumnField(max_length=40)
    training_area: str = ColumnField(max_length=40)
    audiences: list = ColumnField(default_factory=list, sa_column=Column(JSON, nullable=False))
    audience_tags: str = ColumnField(max_length=200)
    level: str = ColumnField(max_length=20)
    mode: str = ColumnField(max_length=20)
    pacing: str = ColumnField(max_length=20)
    workload_hours: float
    language: str = ColumnField(max_length=5)
    price_nzd: float
    nzqa_credits: int | None = None
    nzqa_level: int | None = None
    prerequisites: list = ColumnField(default_factory=list, sa_column=Column(JSON, nullable=False))
    search_text: str = ColumnField(sa_column=Column(Text, nullable=False))
    status: str = ColumnField(max_length=20, index=True)
    status_cause: str | None = ColumnField(default=None, max_length=20)
    status_reason: str | None = ColumnField(default=None, sa_column=Column(Text))
    version: int = 1
    created_at: datetime = ColumnField(sa_column=utc_column())
    updated_at: datetime = ColumnField(sa_column=utc_column())

    @property
    def nzqa(self) -> dict | None:
        if self.nzqa_credits is None:
            return None
        return {"credits": self.nzqa_credits, "level": self.nzqa_level}

    def set_fields(self, fields: dict) -> None:
        """Set request fields, keeping the derived columns in step."""
        for name, value in fields.items():
            if name == "nzqa":
                self.nzqa_credits = value["credits"] if value else None
                self.nzqa_level = value["level"] if value else None
            else:
                setattr(self, name, value)
        self.audience_tags = audience_tags(self.audiences)
        self.search_text = normalise(f"{self.name} {self.course_code} {self.description}")


def audience_tags(audiences: list[str]) -> str:
    """`|a|b|`: one audience matches as `LIKE '%|a|%'` on every database."""
    return "|" + "|".join(audiences) + "|"


def normalise(text: str) -> str:
    """Text folded for search: case and macrons or other accents dropped, whitespace collapsed
    ("Māori" matches "maori")."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


class CoursePublic(BaseModel):
    """A course as callers see it; `status_cause` says who suspended or withdrew it, `status_reason` why."""

    id: str
    provider_id: str
    provider_name: str | None = Field(default=None, description="As the training service knows the supplier")
    accreditation_id: str | None
    name: str
    description: str
    course_code: str
    training_area: TrainingArea
    audiences: list[Audience]
    level: CourseLevel
    mode: DeliveryMode
    pacing: Pacing
    workload_hours: float
    language: Language
    price_nzd: float
    free: bool
    nzqa: Nzqa | None
    prerequisites: list[str]
    sessions: list[SessionPublic]
    status: CourseStatus
    status_cause: CourseChangeCause | None
    status_reason: str | None
    version: int
    created_at: datetime
    updated_at: datetime


def course_state(course: Course, sessions: list) -> CourseState:
    """The public snapshot carried by every course event."""
    kept = {name: getattr(course, name) for name in CourseState.model_fields.keys() - {"sessions"}}
    return CourseState(**kept, sessions=[SessionState.model_validate(s, from_attributes=True) for s in sessions])
