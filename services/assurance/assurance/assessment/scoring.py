"""The scoring rule, written once: from a questionnaire and the chosen answers to the raw impact score, the
mitigation score, the current score, the impact level and the Charter commitments addressed.

After Canada's Algorithmic Impact Assessment: the raw impact score adds the weights of the chosen answers to
impact questions, the mitigation score those of mitigation questions. When the mitigation score reaches the
questionnaire's threshold (80%) of the highest mitigation score it could give, its deduction (15%) is taken off
the raw impact score. The impact level is the first level whose upper bound the current score, as a percentage
of the highest raw impact score, does not pass. A commitment is addressed when a chosen answer to a mitigation
question serving it carries weight.
"""

from __future__ import annotations

from typing import get_args

from pydantic import BaseModel

from events.assurance import Commitment, ImpactLevel

COMMITMENTS: tuple[str, ...] = get_args(Commitment)


class Contribution(BaseModel):
    """What one answer added to its score."""

    question_id: str
    section: str
    kind: str
    answer_id: str
    weight: int
    commitment: Commitment
    principle: str


class Score(BaseModel):
    raw_impact_score: int
    max_impact_score: int
    mitigation_score: int
    max_mitigation_score: int
    mitigation_deduction_applied: bool
    current_score: float
    impact_percent: float
    impact_level: ImpactLevel
    contributions: list[Contribution]
    commitments_addressed: list[Commitment]
    commitments_not_addressed: list[Commitment]
    unanswered: list[str]


def score(questionnaire: dict, answers: dict[str, str]) -> Score:
    """Score `answers` ({question id: answer id}, already checked against the questionnaire)."""
    questions = [(section["id"], question) for section in questionnaire["sections"] for question in section["questions"]]
    contributions, unanswered = [], []
    best = {"impact": 0, "mitigation": 0}
    for section, question in questions:
        best[question["kind"]] += max(answer["weight"] for answer in question["answers"])
        chosen = next((a for a in question["answers"] if a["id"] == answers.get(question["id"])), None)
        if chosen is None:
            unanswered.append(question["id"])
            continue
        contributions.append(Contribution(question_id=question["id"], section=section, kind=question["kind"],
                                          answer_id=chosen["id"], weight=chosen["weight"],
                                          commitment=question["commitment"], principle=question["principle"]))
    raw = sum(c.weight for c in contributions if c.kind == "impact")
    mitigation = sum(c.weight for c in contributions if c.kind == "mitigation")
    rules = questionnaire["scoring"]
    deducted = mitigation * 100 >= rules["mitigation_threshold_percent"] * best["mitigation"]
    current = raw * (100 - rules["mitigation_deduction_percent"]) / 100 if deducted else float(raw)
    percent = current * 100 / best["impact"]
    level = next(level["level"] for level in rules["levels"] if percent <= level["up_to_percent"])
    addressed = {c.commitment for c in contributions if c.kind == "mitigation" and c.weight > 0}
    return Score(raw_impact_score=raw, max_impact_score=best["impact"], mitigation_score=mitigation,
                 max_mitigation_score=best["mitigation"], mitigation_deduction_applied=deducted,
                 current_score=round(current, 2), impact_percent=round(percent, 2), impact_level=level,
                 contributions=contributions,
                 commitments_addressed=[c for c in COMMITMENTS if c in addressed],
                 commitments_not_addressed=[c for c in COMMITMENTS if c not in addressed], unanswered=unanswered)
