"""The survey's public figures, year on year, and the rule that keeps one agency's answers out of them.

The rule: a year's figures are published only once the year is over (its survey closed, so they never
change and no difference between two readings shows one agency's answers) and only when at least
`min_agencies` agencies answered it; otherwise the year shows how many answered and nothing else. Figures
are counts per option, sums and means over the agencies that answered a question: never a minimum,
maximum, median or text, each of which would be one agency's answer. By agency, the public sees only
whether an agency answered (its answers stay with it and the admins)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from pydantic import BaseModel

from hub.survey.models import SurveyResponse
from hub.survey.questions import Question, questionnaire


class QuestionFigure(BaseModel):
    """One question's figure across the public service; `change` is the mean's change since the previous
    published year (count and percent questions)."""

    question: str
    kind: str
    answered: int
    counts: dict[str, int] | None = None
    total: int | None = None
    mean: float | None = None
    change: float | None = None


class SurveyYear(BaseModel):
    """One year of the survey: `published` false (open, or too few answers) shows only how many answered."""

    year: int
    responses: int
    published: bool
    withheld_because: str | None = None
    figures: list[QuestionFigure] = []


def _figure(question: Question, values: list) -> QuestionFigure:
    figure = QuestionFigure(question=question.id, kind=question.kind, answered=len(values))
    if question.kind in ("choice", "multi_choice"):
        chosen = [v for value in values for v in (value if isinstance(value, list) else [value])]
        figure.counts = {option: chosen.count(option) for option in question.options}
    else:
        figure.mean = round(sum(values) / len(values), 2) if values else None
        figure.total = sum(values) if question.kind == "count" else None
    return figure


def _year(year: int, responses: list[SurveyResponse], *, now: datetime, min_agencies: int) -> SurveyYear:
    shown = SurveyYear(year=year, responses=len(responses), published=False)
    if year >= now.year:
        shown.withheld_because = "the survey is open until the end of the year"
    elif len(responses) < min_agencies:
        shown.withheld_because = f"fewer than {min_agencies} agencies answered"
    else:
        shown.published = True
        shown.figures = [_figure(q, [r.answers[q.id] for r in responses if r.answers.get(q.id) is not None])
                         for q in questionnaire().questions if q.kind != "text"]
    return shown


def _with_changes(years: list[SurveyYear]) -> list[SurveyYear]:
    previous: dict[str, float] = {}
    for year in (y for y in years if y.published):
        for figure in year.figures:
            if figure.mean is not None and figure.question in previous:
                figure.change = round(figure.mean - previous[figure.question], 2)
            if figure.mean is not None:
                previous[figure.question] = figure.mean
    return years


def by_year(responses: list[SurveyResponse], *, now: datetime, min_agencies: int) -> list[SurveyYear]:
    """Every year from the first survey to this one, oldest first."""
    grouped: dict[int, list[SurveyResponse]] = defaultdict(list)
    for response in responses:
        grouped[response.year].append(response)
    years = range(questionnaire().first_year, now.year + 1)
    return _with_changes([_year(y, grouped[y], now=now, min_agencies=min_agencies) for y in years])


def answered_by_agency(responses: list[SurveyResponse]) -> dict[str, set[int]]:
    """The years each agency answered, by the name it last answered under."""
    years: dict[str, set[int]] = defaultdict(set)
    for response in responses:
        years[response.agency].add(response.year)
    return years
