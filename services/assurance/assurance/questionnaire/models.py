"""Questionnaires: versioned data (sections of questions, each answer weighted), what an admin publishes and what
anyone reads. A question is either about impact (its answers' weights add to the raw impact score) or about
mitigation (they add to the mitigation score), and names the Algorithm Charter commitment and the AI Framework
principle it serves."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import JSON, Column, Integer
from sqlmodel import Field as ColumnField
from sqlmodel import SQLModel

from events.assurance import Commitment, ImpactLevel
from servicekit.models import StrictModel
from servicekit.tables import utc_column

QuestionKind = Literal["impact", "mitigation"]
# The principles of the Public Service AI Framework a question serves.
Principle = Literal["wellbeing", "human_rights", "transparency", "safety", "accountability"]
Code = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[a-z0-9][a-z0-9-]*$")]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
Percent = Annotated[int, Field(ge=0, le=100)]


def _distinct(codes: list[str], what: str) -> None:
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise ValueError(f"{what} must not repeat: {', '.join(repeated)}")


class Answer(StrictModel):
    id: Code
    text: Text
    weight: Annotated[int, Field(ge=0, le=100)]


class Question(StrictModel):
    id: Code
    text: Text
    kind: QuestionKind
    commitment: Commitment
    principle: Principle
    answers: Annotated[list[Answer], Field(min_length=2, max_length=10)]

    @model_validator(mode="after")
    def _answers_distinct(self) -> Question:
        _distinct([answer.id for answer in self.answers], f"answer ids of question {self.id}")
        return self


class Section(StrictModel):
    id: Code
    title: Text
    questions: Annotated[list[Question], Field(min_length=1, max_length=50)]


class Level(StrictModel):
    level: ImpactLevel
    up_to_percent: Percent


class Scoring(StrictModel):
    """How the scores become a level: when the mitigation score reaches `mitigation_threshold_percent` of the most
    a questionnaire can give, `mitigation_deduction_percent` of the raw impact score is taken off; the level is
    the first whose `up_to_percent` the result, as a share of the highest raw impact score, does not pass."""

    mitigation_threshold_percent: Percent
    mitigation_deduction_percent: Percent
    levels: Annotated[list[Level], Field(min_length=4, max_length=4)]

    @model_validator(mode="after")
    def _levels_in_order(self) -> Scoring:
        if [level.level for level in self.levels] != ["I", "II", "III", "IV"]:
            raise ValueError("levels are I, II, III and IV, in that order")
        bounds = [level.up_to_percent for level in self.levels]
        if bounds != sorted(set(bounds)) or bounds[-1] != 100:
            raise ValueError("levels' up_to_percent rise strictly and the last is 100")
        return self


class QuestionnaireIn(StrictModel):
    """A questionnaire as an admin publishes it (and as the repository's data file holds it)."""

    title: Text
    description: Annotated[str, Field(min_length=1, max_length=10000)]
    scoring: Scoring
    sections: Annotated[list[Section], Field(min_length=1, max_length=30)]

    @model_validator(mode="after")
    def _consistent(self) -> QuestionnaireIn:
        _distinct([section.id for section in self.sections], "section ids")
        questions = [question for section in self.sections for question in section.questions]
        _distinct([question.id for question in questions], "question ids")
        for kind in ("impact", "mitigation"):
            if not any(question.kind == kind and max(a.weight for a in question.answers) > 0 for question in questions):
                raise ValueError(f"at least one {kind} question needs an answer with a weight above 0")
        return self


class Questionnaire(SQLModel, table=True):
    """A published version; never changed once stored."""

    __tablename__ = "assurance_questionnaires"

    version: int = ColumnField(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    title: str = ColumnField(max_length=2000)
    description: str = ColumnField(max_length=10000)
    scoring: dict = ColumnField(sa_column=Column(JSON, nullable=False))
    sections: list = ColumnField(sa_column=Column(JSON, nullable=False))
    published_by: str = ColumnField(max_length=200)
    published_at: datetime = ColumnField(sa_column=utc_column())


class QuestionnairePublic(BaseModel):
    version: int
    title: str
    description: str
    scoring: Scoring
    sections: list[Section]
    published_by: str
    published_at: datetime
    current: bool = Field(description="Whether this is the version new assessments use")


class QuestionnaireSummary(BaseModel):
    version: int
    title: str
    published_at: datetime
    questions: int
    current: bool


def questions_of(questionnaire: Questionnaire) -> dict[str, dict]:
    """The questionnaire's questions by id, each with its section id."""
    return {question["id"]: {**question, "section": section["id"]}
            for section in questionnaire.sections for question in section["questions"]}
