"""The catalogue's own copy of the assurance assessments of its offerings, kept from their events."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Column
from sqlmodel import Field

from servicekit.projection import ProjectionColumns


class AssessmentProjection(ProjectionColumns, table=True):
    """An assessment of an offering as last announced on `assurance.assessment.v1`."""

    __tablename__ = "catalogue_assessments"

    subject_id: str = Field(max_length=36, index=True)
    status: str = Field(max_length=20)
    impact_level: str = Field(max_length=3)
    commitments_addressed: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    accepted_on: date | None = None
    current_until: date | None = None
