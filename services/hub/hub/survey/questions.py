"""The annual AI survey's questions, kept as data in questions.json beside this module and loaded once.

Each question has a kind that says what an answer is and how answers add up across agencies: `choice` (one
of its options; counted per option), `multi_choice` (some of its options; counted per option), `count` (a
whole number up to `max`; summed and averaged), `percent` (0 to 100; averaged) and `text` (never added up,
never public). A question is required unless it is `optional`."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

QUESTIONS_FILE = Path(__file__).with_name("questions.json")
Kind = Literal["choice", "multi_choice", "count", "percent", "text"]
TEXT_LIMIT = 2000


class Question(BaseModel):
    id: str
    section: str
    kind: Kind
    text: str
    options: list[str] = []
    max: int | None = None
    optional: bool = False


class Questionnaire(BaseModel):
    """The survey's questions, answered once a year from `first_year`."""

    first_year: int
    questions: list[Question]


@cache
def questionnaire() -> Questionnaire:
    return Questionnaire.model_validate(json.loads(QUESTIONS_FILE.read_text(encoding="utf-8")))


def _problem(question: Question, value: Any) -> str | None:
    """What is wrong with this answer to the question (None: nothing)."""
    if question.kind == "choice":
        return None if value in question.options else f"must be one of {', '.join(question.options)}"
    if question.kind == "multi_choice":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "must be a list of options"
        if unknown := [v for v in value if v not in question.options]:
            return f"{', '.join(unknown)}: not among {', '.join(question.options)}"
        return "must not repeat an option" if len(set(value)) != len(value) else None
    if question.kind in ("count", "percent"):
        top = 100 if question.kind == "percent" else question.max
        if isinstance(value, bool) or not isinstance(value, int) or value < 0 or (top is not None and value > top):
            return f"must be a whole number from 0 to {top}" if top is not None else "must be a whole number from 0"
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > TEXT_LIMIT:
        return f"must be text of 1 to {TEXT_LIMIT} characters"
    return None


def answer_errors(answers: dict[str, Any]) -> list[dict[str, str]]:
    """Each answer that is missing, unknown or not valid, named as `answers.<question id>`."""
    questions = {q.id: q for q in questionnaire().questions}
    errors = [{"field": f"answers.{name}", "message": "no such question"} for name in answers if name not in questions]
    for question in questions.values():
        if question.id not in answers or answers[question.id] is None:
            if not question.optional:
                errors.append({"field": f"answers.{question.id}", "message": "required"})
        elif problem := _problem(question, answers[question.id]):
            errors.append({"field": f"answers.{question.id}", "message": problem})
    return errors
