"""Registrations of interest: an agency's staff member wants a place in a session."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, EmailStr, Field
from sqlalchemy import Column, Index, Text, text
from sqlmodel import Field as ColumnField
from sqlmodel import SQLModel

from servicekit.models import StrictModel
from servicekit.tables import utc_column

RegistrationStatus = Literal["registered", "waitlisted", "cancelled"]
Short = Annotated[str, Field(min_length=1, max_length=200)]
ACTIVE = "status <> 'cancelled'"


class RegistrationCreate(StrictModel):
    """Who wants a place: the staff member and their agency."""

    name: Short
    email: EmailStr
    agency: Short
    job_title: Short | None = None
    note: Annotated[str | None, Field(min_length=1, max_length=2000)] = None


class Registration(SQLModel, table=True):
    """One registration of interest; `waitlist_seq` orders the waitlist of its session."""

    __tablename__ = "training_registrations"
    # One live registration per person and session; a cancelled one may be followed by a new one.
    __table_args__ = (Index("uq_training_registrations_person", "session_id", "email", unique=True,
                            sqlite_where=text(ACTIVE), postgresql_where=text(ACTIVE)),)

    id: str = ColumnField(default_factory=lambda: str(uuid.uuid4()), primary_key=True, max_length=36)
    session_id: str = ColumnField(max_length=36, index=True)
    course_id: str = ColumnField(max_length=36)
    registered_by: str = ColumnField(max_length=200, index=True)
    name: str = ColumnField(max_length=200)
    email: str = ColumnField(max_length=320)
    agency: str = ColumnField(max_length=200)
    job_title: str | None = ColumnField(default=None, max_length=200)
    note: str | None = ColumnField(default=None, sa_column=Column(Text))
    status: str = ColumnField(max_length=20)
    waitlist_seq: int | None = None
    created_at: datetime = ColumnField(sa_column=utc_column())
    updated_at: datetime = ColumnField(sa_column=utc_column())


class RegistrationPublic(BaseModel):
    """A registration as its buyer, the provider and staff see it; `waitlist_position` is 1 for the next in line."""

    id: str
    session_id: str
    course_id: str
    registered_by: str
    name: str
    email: str
    agency: str
    job_title: str | None
    note: str | None
    status: RegistrationStatus
    waitlist_position: int | None
    created_at: datetime
    updated_at: datetime
