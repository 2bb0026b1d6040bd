"""Accreditations of training providers: the table, the period rules and what callers see."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import JSON, Column, Text
from sqlmodel import Field as ColumnField
from sqlmodel import SQLModel

from events.accreditation import (AccreditationState, AccreditationStatus, AccreditationSuspensionCause, Audience,
                                  TrainingArea)
from servicekit.tables import utc_column

PERIOD_YEARS = 3
RENEWAL_NOTICE = timedelta(days=90)


def years_after(day: date, years: int) -> date:
    """The same calendar day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def area_codes(areas: list[str]) -> str:
    """The training areas as one delimited column, so `area=` filters alike on SQLite and PostgreSQL."""
    return "".join(f",{area}" for area in sorted(areas)) + ","


class Accreditation(SQLModel, table=True):
    """An accreditation as the service keeps it. In force from `period_start` until `expires_on`
    (exclusive); due for renewal from `renewal_due_on`."""

    __tablename__ = "accreditations"

    id: str = ColumnField(default_factory=lambda: str(uuid.uuid4()), primary_key=True, max_length=36)
    supplier_id: str = ColumnField(max_length=36, index=True)
    application_id: str = ColumnField(max_length=36)
    training_areas: list = ColumnField(default_factory=list, sa_column=Column(JSON, nullable=False))
    area_codes: str = ColumnField(max_length=400)
    audiences: list = ColumnField(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = ColumnField(max_length=20, index=True)
    granted_on: date
    renewed_on: date | None = None
    expires_on: date = ColumnField(index=True)
    renewal_due_on: date = ColumnField(index=True)
    suspended_reason: str | None = ColumnField(default=None, max_length=20)
    status_reason: str | None = ColumnField(default=None, sa_column=Column(Text))
    version: int = 1
    created_at: datetime = ColumnField(sa_column=utc_column())
    updated_at: datetime = ColumnField(sa_column=utc_column())

    def start_period(self, today: date) -> None:
        """A three-year period from today, due for renewal ninety days before its end."""
        self.expires_on = years_after(today, PERIOD_YEARS)
        self.renewal_due_on = self.expires_on - RENEWAL_NOTICE


class AccreditationPublic(BaseModel):
    """An accreditation as anyone sees it; `status_reason` says why it was suspended, revoked or surrendered."""

    id: str
    supplier_id: str
    application_id: str
    training_areas: list[TrainingArea]
    audiences: list[Audience]
    status: AccreditationStatus
    granted_on: date
    renewed_on: date | None
    expires_on: date
    renewal_due_on: date
    suspended_reason: AccreditationSuspensionCause | None
    status_reason: str | None
    version: int
    created_at: datetime
    updated_at: datetime


def accreditation_state(accreditation: Accreditation) -> AccreditationState:
    """The public snapshot carried by every accreditation event."""
    return AccreditationState.model_validate(accreditation, from_attributes=True)
