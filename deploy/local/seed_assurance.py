"""Demo data of the assurance service: every seeded offering is assessed by its supplier on the repository's
questionnaire and accepted by an assessor, at the impact level that gives the risk tier the seed data names.

The answer sets are the ones the tests use too: each reaches its impact level on questionnaire version 1.
Safe to run again: an offering with an assessment already behind it is left alone.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # seed.py imports this module for its offerings step
    from deploy.local.seed import SeedApi

ASSESSMENTS_PATH = "/api/v1/assurance/assessments"
# How long the seed waits for a service to learn from events what another one did: a moment on a quiet
# machine, far longer on a busy one or while a consumer catches up on a broker's history.
EVENT_PATIENCE_SECONDS = 90.0
LOWEST_IMPACT = {"decision-role": "none", "decision-effect": "little", "people-reached": "few",
                 "vulnerable-groups": "no", "personal-information": "none", "maori-data": "no", "model-opacity": "rules"}
MODERATE_IMPACT = {"decision-role": "assists", "decision-effect": "moderate", "people-reached": "many",
                   "vulnerable-groups": "no", "personal-information": "identifiable", "maori-data": "yes",
                   "model-opacity": "explained"}  # raw 9 of 21
HIGH_IMPACT = {"decision-role": "decides", "decision-effect": "high", "people-reached": "most",
               "vulnerable-groups": "possibly", "personal-information": "identifiable", "maori-data": "yes",
               "model-opacity": "opaque"}  # raw 17 of 21
FULL_MITIGATION = {"human-review": "every", "plain-language": "yes", "maori-governance": "agreed",
                   "privacy-assessment": "yes", "bias-testing": "ongoing", "data-quality": "yes", "appeal": "yes"}
NO_MITIGATION = {question: "no" for question in FULL_MITIGATION}
# Impact level -> answers that reach it on questionnaire version 1.
ANSWERS = {
    "I": LOWEST_IMPACT | FULL_MITIGATION,     # 0 of 21: 0%                         -> minimal
    "II": MODERATE_IMPACT | FULL_MITIGATION,  # 9 less 15% = 7.65 of 21: 36.4%      -> limited
    "III": HIGH_IMPACT | FULL_MITIGATION,     # 17 less 15% = 14.45 of 21: 68.8%    -> high
    "IV": HIGH_IMPACT | NO_MITIGATION,        # 17 of 21: 81.0%                     -> high
}
LEVEL_FOR_TIER = {"minimal": "I", "limited": "II", "high": "III"}


def _started(api: SeedApi, offering_id: str, level: str, token: str) -> dict[str, Any]:
    """The offering's draft assessment, once the assurance service knows the offering from its events."""
    body = {"subject_type": "offering", "subject_id": offering_id, "answers": ANSWERS[level]}
    deadline = time.monotonic() + EVENT_PATIENCE_SECONDS
    while True:
        response = api.post(ASSESSMENTS_PATH, token=token, json=body)
        if response.status_code == 201 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    if response.status_code != 201:
        raise RuntimeError(f"assessment of offering {offering_id} not started: {response.status_code} {response.text}")
    return response.json()


def assess_offering(api: SeedApi, offering: dict[str, Any], tier: str, token: str) -> bool:
    """Assess the offering at the level giving `tier` and have an assessor accept it; False when one stands."""
    if offering.get("assessment_id"):
        return False
    assessment = _started(api, offering["id"], LEVEL_FOR_TIER[tier], token)
    for path, as_client, by_token, body in ((f"{ASSESSMENTS_PATH}/{assessment['id']}/submit", None, token, None),
                                            (f"{ASSESSMENTS_PATH}/{assessment['id']}/review", "assessor", None,
                                             {"decision": "accept"})):
        response = api.post(path, as_client=as_client, token=by_token, json=body)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.text}")
    return True
