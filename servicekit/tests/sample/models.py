"""Sample tables (names prefixed `sample_`, unique across the process) and request/response models."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Column, Text
from sqlmodel import Field as ColumnField
from sqlmodel import SQLModel

from servicekit.models import StrictModel
from servicekit.tables import AUTO_ID, utc_column

NoteStatus = Literal["active", "suspended"]


class SampleNote(SQLModel, table=True):
    """A note: the sample aggregate, versioned, audited and announced by events."""

    __tablename__ = "sample_notes"

    id: str = ColumnField(default_factory=lambda: str(uuid.uuid4()), primary_key=True, max_length=36)
    title: str = ColumnField(max_length=200)
    body: str | None = ColumnField(default=None, sa_column=Column(Text))
    priority: int = 0
    status: str = ColumnField(default="active", max_length=30)
    version: int = 1
    created_at: datetime = ColumnField(sa_column=utc_column())
    updated_at: datetime = ColumnField(sa_column=utc_column())


class SampleTag(SQLModel, table=True):
    """A label on a note; its foreign key is checked only at commit (deferred)."""

    __tablename__ = "sample_tags"

    id: int | None = ColumnField(default=None, sa_column=Column(AUTO_ID, primary_key=True, autoincrement=True))
    note_id: str = ColumnField(max_length=36)
    label: str = ColumnField(max_length=50)


class SampleProjection(SQLModel, table=True):
    """What a consumer of note events keeps: the latest snapshot and how often it was applied."""

    __tablename__ = "sample_projections"

    id: str = ColumnField(primary_key=True, max_length=200)
    title: str = ColumnField(max_length=200)
    version: int
    applied: int = 0


class NoteCreate(StrictModel):
    title: Annotated[str, Field(min_length=1, max_length=200)]
    body: str | None = None
    priority: Annotated[int, Field(ge=0, le=1000)] = 0


class NoteUpdate(StrictModel):
    title: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    body: str | None = None
    status: NoteStatus | None = None
    reason: str | None = None


class NotePublic(BaseModel):
    id: str
    title: str
    body: str | None
    priority: int
    status: NoteStatus
    version: int
    created_at: datetime
    updated_at: datetime


class BatchCreate(BaseModel):
    """Several notes in one request; `fail` makes the route raise after writing them."""

    model_config = ConfigDict(extra="forbid")

    titles: Annotated[list[str], Field(min_length=1, max_length=50)]
    fail: Literal["problem", "crash"] | None = None


class TagCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note_id: str
    label: Annotated[str, Field(min_length=1, max_length=50)]
