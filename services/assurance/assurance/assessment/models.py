"""Assessments: what an owner and an assessor send, the table, and what callers see."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import JSON, Column
from sqlmodel import Field as ColumnField
from sqlmodel import SQLModel

from assurance.assessment.scoring import Score
from events.assurance import AssessmentState, AssessmentStatus, SubjectType
from servicekit.models import StrictModel
from servicekit.tables import utc_column

Id = Annotated[str, Field(min_length=1, max_length=36)]
Code = Annotated[str, Field(min_length=1, max_length=60)]
Comment = Annotated[str, Field(min_length=1, max_length=4000)]
Answers = Annotated[dict[Code, Code], Field(max_length=200, description="question id -> the id of the chosen answer")]


class AssessmentCreate(StrictModel):
    """A draft assessment of an offering (by its supplier) or a use case (by a buyer); answers may follow."""

    subject_type: SubjectType
    subject_id: Id
    answers: Answers = {}


class AssessmentUpdate(StrictModel):
    """Answers to set or change; a question left out keeps its answer, one given null loses it."""

    answers: Annotated[dict[Code, Code | None], Field(min_length=1, max_length=200)]


class QuestionComment(StrictModel):
    question_id: Code
    comment: Comment


class Review(StrictModel):
    """An assessor's decision: accept, or return with at least one comment on a question."""

    decision: Literal["accept", "return"]
    comments: Annotated[list[QuestionComment], Field(max_length=200)] = []
    reason: Annotated[str | None, Field(min_length=1, max_length=4000)] = None

    @model_validator(mode="after")
    def _return_says_why(self) -> Review:
        if self.decision == "return" and not self.comments:
            raise ValueError("returning an assessment needs at least one comment on a question")
        return self


class Assessment(SQLModel, table=True):
    """An assessment as the service keeps it; the score is worked out again on every change of the answers."""

    __tablename__ = "assurance_assessments"

    id: str = ColumnField(default_factory=lambda: str(uuid.uuid4()), primary_key=True, max_length=36)
    subject_type: str = ColumnField(max_length=20)
    subject_id: str = ColumnField(max_length=36, index=True)
    supplier_id: str | None = ColumnField(default=None, max_length=36, index=True)
    owner: str = ColumnField(max_length=200, description="The client that started it")
    questionnaire_version: int
    answers: dict = ColumnField(default_factory=dict, sa_column=Column(JSON, nullable=False))
    score: dict = ColumnField(sa_column=Column(JSON, nullable=False))
    raw_impact_score: int
    mitigation_score: int
    current_score: float
    impact_level: str = ColumnField(max_length=3)
    commitments_addressed: list = ColumnField(default_factory=list, sa_column=Column(JSON, nullable=False))
    commitments_not_addressed: list = ColumnField(default_factory=list, sa_column=Column(JSON, nullable=False))
    reviews: list = ColumnField(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = ColumnField(max_length=20, index=True)
    accepted_on: date | None = None
    current_until: date | None = ColumnField(default=None, index=True)
    version: int = 1
    created_at: datetime = ColumnField(sa_column=utc_column())
    updated_at: datetime = ColumnField(sa_column=utc_column())


class ReviewRecord(BaseModel):
    """One review: the decision, its comments by question, who made it and when."""

    decision: Literal["accept", "return"]
    comments: list[QuestionComment]
    reason: str | None
    by: str
    at: datetime


class AssessmentPublic(BaseModel):
    """An assessment as its owner and the assessors see it, with how its score came about."""

    id: str
    subject_type: SubjectType
    subject_id: str
    supplier_id: str | None
    owner: str
    questionnaire_version: int
    answers: dict[str, str]
    status: AssessmentStatus
    score: Score
    raw_impact_score: int
    mitigation_score: int
    current_score: float
    impact_level: str
    commitments_addressed: list[str]
    commitments_not_addressed: list[str]
    reviews: list[ReviewRecord]
    accepted_on: date | None
    current_until: date | None
    version: int
    created_at: datetime
    updated_at: datetime


def assessment_state(assessment: Assessment) -> AssessmentState:
    """The public snapshot carried by every assessment event."""
    return AssessmentState.model_validate(assessment, from_attributes=True)
