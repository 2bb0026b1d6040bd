"""The scoring rule on fixed answer sets: each level reached, every weight used, the deduction applied only
from the threshold on; and the repository's questionnaire with the answer sets the other tests use."""

from __future__ import annotations

import pytest

from assurance.assessment.scoring import COMMITMENTS, score
from assurance.questionnaire.models import QuestionnaireIn
from assurance.questionnaire.service import load
from services.assurance.tests.questionnaires import CASES, SMALL
from testsupport.assurance_helpers import ANSWERS


def test_the_cases_use_every_weight_and_reach_every_level():
    answers = {(question, answer) for case, _ in CASES for question, answer in case.items()}
    every = {(q["id"], a["id"]) for section in SMALL["sections"] for q in section["questions"] for a in q["answers"]}
    assert answers == every
    assert [level for _, (*_, level) in CASES] == ["I", "II", "III", "IV"]


@pytest.mark.parametrize("answers, expected", CASES)
def test_each_answer_set_scores_as_worked_out_by_hand(answers, expected):
    result = score(SMALL, answers)
    assert (result.raw_impact_score, result.mitigation_score, result.current_score, result.impact_level) == expected
    assert (result.max_impact_score, result.max_mitigation_score) == (7, 4)
    assert result.mitigation_deduction_applied == (result.mitigation_score >= 3.2)
    by_question = {c.question_id: c.weight for c in result.contributions}
    assert by_question == {question: int(answer[1:]) for question, answer in answers.items()}
    assert sum(c.weight for c in result.contributions if c.kind == "impact") == result.raw_impact_score
    assert result.unanswered == []


def test_a_commitment_is_addressed_by_a_mitigating_answer_that_carries_weight():
    result = score(SMALL, {"i1": "w3", "i2": "w4", "m1": "w0", "m2": "w2"})
    assert result.commitments_addressed == ["partnership"]
    assert result.commitments_not_addressed == [c for c in COMMITMENTS if c != "partnership"]
    # Impact answers never address a commitment, however heavy.
    assert "people" not in score(SMALL, {"i1": "w3"}).commitments_addressed


def test_unanswered_questions_are_named_and_count_nothing():
    result = score(SMALL, {"i1": "w3"})
    assert result.unanswered == ["i2", "m1", "m2"] and result.raw_impact_score == 3


def test_the_repository_questionnaire_and_the_shared_answer_sets():
    questionnaire = load().model_dump()
    questions = [q for section in questionnaire["sections"] for q in section["questions"]]
    assert {q["commitment"] for q in questions} == set(COMMITMENTS)  # every Charter commitment is asked about
    assert any("Māori" in q["text"] for q in questions)
    for level, answers in ANSWERS.items():
        result = score(questionnaire, answers)
        assert result.impact_level == level and result.unanswered == [], level
    assert score(questionnaire, ANSWERS["I"]).commitments_not_addressed == []


@pytest.mark.parametrize("change, message", [
    (lambda q: q["sections"][1]["questions"].append(q["sections"][0]["questions"][0]), "question ids must not repeat"),
    (lambda q: q["scoring"]["levels"].reverse(), "levels are I, II, III and IV"),
    (lambda q: q["scoring"]["levels"][3].update(up_to_percent=90), "the last is 100"),
    (lambda q: q["sections"].pop(1), "at least one mitigation question"),
])
def test_a_questionnaire_that_cannot_score_is_refused(change, message):
    import copy
    broken = copy.deepcopy(SMALL)
    change(broken)
    with pytest.raises(ValueError, match=message):
        QuestionnaireIn.model_validate(broken)
