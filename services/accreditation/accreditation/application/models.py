"""Accreditation applications: the table, what a supplier and an assessor send, and what callers see."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import JSON, Column, Text
from sqlmodel import Field as ColumnField
from sqlmodel import SQLModel

from events.accreditation import (ApplicationKind, ApplicationState, ApplicationStatus, Audience, CriterionRating,
                                  EvidenceItem, Trainer, TrainingArea)
from servicekit.models import StrictModel
from servicekit.tables import utc_column

Short = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(min_length=1, max_length=10000)]
Note = Annotated[str, Field(min_length=1, max_length=4000)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the content, lower-case hex")]
Link = Annotated[str, Field(min_length=1, max_length=2000, pattern=r"^https?://\S+$")]


def _distinct(values: list | None, name: str) -> None:
    if values and len(set(values)) != len(values):
        raise ValueError(f"{name} must not repeat a value")


class TrainerIn(StrictModel, Trainer):
    name: Short
    credentials: Note


class EvidenceIn(StrictModel, EvidenceItem):
    """An evidence item: a link, or the SHA-256 of content held elsewhere (at least one of them)."""

    title: Short
    link: Link | None = None
    content_hash: Sha256 | None = None

    @model_validator(mode="after")
    def _points_somewhere(self) -> EvidenceIn:
        if not self.link and not self.content_hash:
            raise ValueError("an evidence item needs a link or a content_hash")
        return self


TrainingAreas = Annotated[list[TrainingArea], Field(min_length=1, max_length=5)]
Audiences = Annotated[list[Audience], Field(min_length=1, max_length=5)]
Trainers = Annotated[list[TrainerIn], Field(max_length=50)]
Evidence = Annotated[list[EvidenceIn], Field(max_length=50)]


class ApplicationCreate(StrictModel):
    """A draft application, as its supplier starts it. A renewal names the accreditation it renews."""

    kind: ApplicationKind = "initial"
    accreditation_id: Annotated[str | None, Field(min_length=1, max_length=36)] = None
    training_areas: TrainingAreas
    audiences: Audiences
    trainers: Trainers = []
    delivery_history: LongText
    quality_process: LongText
    evidence: Evidence = []

    @model_validator(mode="after")
    def _consistent(self) -> ApplicationCreate:
        _distinct(self.training_areas, "training_areas")
        _distinct(self.audiences, "audiences")
        if self.kind == "renewal" and not self.accreditation_id:
            raise ValueError("a renewal application names the accreditation_id it renews")
        if self.kind == "initial" and self.accreditation_id:
            raise ValueError("only a renewal application names an accreditation_id")
        return self


class ApplicationUpdate(StrictModel):
    """What a supplier changes of a draft, or of an application awaiting its answers; lists are replaced whole."""

    training_areas: TrainingAreas | None = None
    audiences: Audiences | None = None
    trainers: Trainers | None = None
    delivery_history: LongText | None = None
    quality_process: LongText | None = None
    evidence: Evidence | None = None

    @model_validator(mode="after")
    def _distinct_values(self) -> ApplicationUpdate:
        _distinct(self.training_areas, "training_areas")
        _distinct(self.audiences, "audiences")
        return self


class Questions(StrictModel):
    """What the assessor asks the applicant."""

    questions: Annotated[list[Note], Field(min_length=1, max_length=20)]


class Answers(StrictModel):
    """The applicant's answers to the open questions."""

    answers: Annotated[list[Note], Field(min_length=1, max_length=20)]


class RatingIn(StrictModel, CriterionRating):
    notes: Note | None = None


class Decision(StrictModel):
    """An assessor's decision: a rating per criterion and the reasons (required to decline)."""

    ratings: Annotated[list[RatingIn], Field(max_length=20)] = []
    reason: Annotated[str | None, Field(max_length=4000)] = None

    @model_validator(mode="after")
    def _one_rating_per_criterion(self) -> Decision:
        _distinct([r.criterion for r in self.ratings], "ratings (criterion)")
        return self


class Application(SQLModel, table=True):
    """An application as the accreditation service keeps it; lists and exchanges are JSON."""

    __tablename__ = "applications"

    id: str = ColumnField(default_factory=lambda: str(uuid.uuid4()), primary_key=True, max_length=36)
    supplier_id: str = ColumnField(max_length=36, index=True)
    kind: str = ColumnField(max_length=20)
    accreditation_id: str | None = ColumnField(default=None, max_length=36, index=True)
    training_areas: list = ColumnField(default_factory=list, sa_column=Column(JSON, nullable=False))
    audiences: list = ColumnField(default_factory=list, sa_column=Column(JSON, nullable=False))
    trainers: list = ColumnField(default_factory=list, sa_column=Column(JSON, nullable=False))
    delivery_history: str = ColumnField(sa_column=Column(Text, nullable=False))
    quality_process: str = ColumnField(sa_column=Column(Text, nullable=False))
    evidence: list = ColumnField(default_factory=list, sa_column=Column(JSON, nullable=False))
    exchanges: list = ColumnField(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = ColumnField(max_length=30, index=True)
    ratings: list = ColumnField(default_factory=list, sa_column=Column(JSON, nullable=False))
    decided_by: str | None = ColumnField(default=None, max_length=200)
    decided_at: datetime | None = ColumnField(default=None, sa_column=utc_column(nullable=True))
    decision_reason: str | None = ColumnField(default=None, sa_column=Column(Text))
    submitted_at: datetime | None = ColumnField(default=None, sa_column=utc_column(nullable=True))
    version: int = 1
    created_at: datetime = ColumnField(sa_column=utc_column())
    updated_at: datetime = ColumnField(sa_column=utc_column())


class Exchange(BaseModel):
    """One request for information and, once given, its answers."""

    questions: list[str]
    asked_by: str
    asked_at: datetime
    answers: list[str] | None = None
    answered_by: str | None = None
    answered_at: datetime | None = None


class ApplicationPublic(BaseModel):
    """An application as its supplier and the assessors see it."""

    id: str
    supplier_id: str
    kind: ApplicationKind
    accreditation_id: str | None
    training_areas: list[TrainingArea]
    audiences: list[Audience]
    trainers: list[Trainer]
    delivery_history: str
    quality_process: str
    evidence: list[EvidenceItem]
    status: ApplicationStatus
    exchanges: list[Exchange]
    ratings: list[CriterionRating]
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    submitted_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


def application_state(application: Application) -> ApplicationState:
    """The public snapshot carried by every application event."""
    return ApplicationState.model_validate(application, from_attributes=True)
