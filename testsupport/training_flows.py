"""Course steps through the gateway, shared by the end-to-end tests that need a real published course."""

from __future__ import annotations

from servicekit.testing import eventually

COURSES = "/api/v1/courses"

MASTERCLASS = {
    "name": "Leading with AI: an executive masterclass",
    "description": "A one-day masterclass for tier 1-3 leaders on AI strategy, risk and assurance.",
    "course_code": "EXEC-AI-101", "training_area": "executive_ai_leadership",
    "audiences": ["executive_tier_1", "executive_tier_2"], "level": "introductory", "mode": "in_person",
    "pacing": "scheduled", "workload_hours": 7, "language": "en", "price_nzd": 0,
}


async def published_course(stack, own: dict, body: dict | None = None) -> dict:
    """A course drafted and published by its provider, once the training service has heard of the
    provider's accreditation (until then publication answers 409)."""
    draft = await stack.client.post(COURSES, json=body or MASTERCLASS, headers=own)
    assert draft.status_code == 201, draft.text

    async def published():
        response = await stack.client.post(f"{COURSES}/{draft.json()['id']}/publish", headers=own)
        assert response.status_code in (200, 409), response.text
        return response.json() if response.status_code == 200 else None

    return await eventually(published)
