"""Helpers for tests that need an offering assessed: answer sets of the repository's questionnaire (version 1)
that reach each impact level, and an assessment taken through the real flow (drafted by the supplier, submitted,
accepted by an assessor) until the catalogue shows it on the offering."""

from __future__ import annotations

from deploy.local.seed_assurance import ANSWERS  # noqa: F401  (impact level -> answers reaching it, for the tests)
from servicekit.testing import eventually

URL = "/api/v1/assurance/assessments"


async def started(stack, own: dict, offering_id: str, answers: dict | None = None) -> dict:
    """A draft assessment of the offering by its supplier, once the assurance service knows the offering."""

    async def start():
        response = await stack.client.post(URL, json={"subject_type": "offering", "subject_id": offering_id,
                                                      "answers": answers or {}}, headers=own)
        if response.status_code == 409 and response.json().get("current_state") == "unknown":
            return None
        assert response.status_code == 201, response.text
        return response.json()

    return await eventually(start)


async def review(stack, assessment_id: str, decision: str = "accept", comments: list | None = None):
    return await stack.client.post(f"{URL}/{assessment_id}/review", headers=await stack.as_role("assessor"),
                                   json={"decision": decision, "comments": comments or []})


async def shown_on_offering(stack, offering_id: str, until) -> dict:
    """The offering as an admin reads it, once `until(offering)` holds."""
    headers = await stack.as_role("admin")

    async def fetch():
        offering = (await stack.client.get(f"/api/v1/offerings/{offering_id}", headers=headers)).json()
        return offering if until(offering) else None

    return await eventually(fetch)


async def assessed(stack, own: dict, offering_id: str, level: str = "II") -> dict:
    """An accepted assessment of the offering at `level`, through the real flow, once the catalogue shows it."""
    assessment = await started(stack, own, offering_id, ANSWERS[level])
    response = await stack.client.post(f"{URL}/{assessment['id']}/submit", headers=own)
    assert response.status_code == 200, response.text
    response = await review(stack, assessment["id"])
    assert response.status_code == 200, response.text
    await shown_on_offering(stack, offering_id, lambda offering: offering["assessment_id"] == assessment["id"])
    return response.json()
