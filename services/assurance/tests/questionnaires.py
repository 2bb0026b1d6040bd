"""A small questionnaire whose scores are worked out by hand in the tests, and the answer sets that reach each
impact level with every weight of it chosen at least once."""

from __future__ import annotations


def question(id_: str, kind: str, commitment: str, weights: tuple[int, ...], principle: str = "accountability"):
    return {"id": id_, "text": f"Question {id_}?", "kind": kind, "commitment": commitment, "principle": principle,
            "answers": [{"id": f"w{weight}", "text": f"weighs {weight}", "weight": weight} for weight in weights]}


# Highest raw impact 3 + 4 = 7; highest mitigation 2 + 2 = 4, so the deduction needs 3.2 or more.
SMALL = {
    "title": "Small questionnaire", "description": "For the scoring tests.",
    "scoring": {"mitigation_threshold_percent": 80, "mitigation_deduction_percent": 15,
                "levels": [{"level": "I", "up_to_percent": 25}, {"level": "II", "up_to_percent": 50},
                           {"level": "III", "up_to_percent": 75}, {"level": "IV", "up_to_percent": 100}]},
    "sections": [
        {"id": "impact", "title": "Impact", "questions": [
            question("i1", "impact", "people", (0, 1, 3)), question("i2", "impact", "data", (0, 2, 4))]},
        {"id": "mitigation", "title": "Mitigation", "questions": [
            question("m1", "mitigation", "human_oversight", (0, 1, 2)),
            question("m2", "mitigation", "partnership", (0, 2), principle="human_rights")]},
    ],
}

# answers, then (raw impact, mitigation, current score, level), worked out by hand.
CASES = [
    ({"i1": "w0", "i2": "w0", "m1": "w0", "m2": "w0"}, (0, 0, 0.0, "I")),    # 0 of 7: 0%
    ({"i1": "w1", "i2": "w2", "m1": "w1", "m2": "w0"}, (3, 1, 3.0, "II")),   # 1 < 3.2, no deduction: 42.9%
    ({"i1": "w3", "i2": "w2", "m1": "w2", "m2": "w2"}, (5, 4, 4.25, "III")),  # 4 >= 3.2: 5 less 15%, 60.7%
    ({"i1": "w3", "i2": "w4", "m1": "w0", "m2": "w2"}, (7, 2, 7.0, "IV")),   # 7 of 7: 100%
]
