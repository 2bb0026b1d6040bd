"""Agencies' answers to the annual AI survey: one response per agency per year."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field as ColumnField
from sqlmodel import SQLModel

from hub.usecase.models import Name
from servicekit.models import StrictModel
from servicekit.tables import utc_column


class SurveyResponseIn(StrictModel):
    """An agency's answers, by question id (see GET /api/v1/registry/surveys/questions)."""

    # A buyer answers for the agency its client is bound to (naming another is 403); an admin names it.
    agency: Name | None = None
    answers: dict[str, Any]


class SurveyResponse(SQLModel, table=True):
    """One agency's answers for one year; `agency_key` (its name as servicekit.identity.agency_key compares
    it) makes the pair unique."""

    __tablename__ = "hub_survey_responses"
    __table_args__ = (UniqueConstraint("agency_key", "year", name="uq_hub_survey_responses_agency_year"),)

    id: str = ColumnField(default_factory=lambda: str(uuid.uuid4()), primary_key=True, max_length=36)
    agency: str = ColumnField(max_length=200)
    agency_key: str = ColumnField(max_length=200)
    year: int = ColumnField(index=True)
    answers: dict = ColumnField(sa_column=Column(JSON, nullable=False))
    submitted_by: str = ColumnField(max_length=200, index=True)
    submitted_at: datetime = ColumnField(sa_column=utc_column())


class SurveyResponsePublic(BaseModel):
    """A response as its agency and admins see it (never shown to anyone else)."""

    id: str
    agency: str
    year: int
    answers: dict[str, Any]
    submitted_by: str
    submitted_at: datetime
