"""End to end over the real broker: a supplier becomes an accredited training provider, lists courses, and
its courses follow the accreditation by themselves as it is suspended, reinstated and revoked."""

from __future__ import annotations

import pytest

from servicekit.testing import eventually
from testsupport.accreditation_flows import Flows
from testsupport.training_flows import MASTERCLASS, published_course

PRACTITIONER_COURSE = MASTERCLASS | {
    "name": "Responsible AI in practice", "course_code": "PRAC-AI-201",
    "description": "Four weeks of hands-on work on model evaluation, bias testing and impact assessments.",
    "training_area": "responsible_ai_assurance", "audiences": ["practitioner"], "level": "intermediate",
    "mode": "online", "pacing": "self_paced", "workload_hours": 24, "price_nzd": 1450,
    "nzqa": {"credits": 10, "level": 6},
}


@pytest.fixture
def stack_services() -> tuple[str, ...]:
    """The services a training provider's life touches."""
    return ("suppliers", "accreditation", "training")


async def test_an_accredited_provider_lists_courses_that_follow_its_accreditation(stack):
    flows = Flows(stack)
    provider = await flows.known_supplier()
    _, accreditation = await flows.accredited(provider)
    assert accreditation["status"] == "active"
    own = await flows.headers_of(provider)

    masterclass = await published_course(stack, own, MASTERCLASS)
    practitioner = await published_course(stack, own, PRACTITIONER_COURSE)

    buyer = await stack.as_role("buyer")
    found = await stack.client.get("/api/v1/courses", params={"free": "true", "audience": "executive_tier_1"},
                                   headers=buyer)
    assert found.status_code == 200, found.text
    assert [course["id"] for course in found.json()["data"]] == [masterclass["id"]]
    paid = await stack.client.get("/api/v1/courses", params={"free": "false", "q": "bias testing"}, headers=buyer)
    assert [course["id"] for course in paid.json()["data"]] == [practitioner["id"]]

    assessor = await stack.as_role("assessor")
    await act_on(stack, accreditation["id"], "suspend", assessor, reason="show cause: complaints under review")
    await statuses_become(stack, [masterclass, practitioner], "suspended")
    hidden = await stack.client.get("/api/v1/courses", params={"free": "true"}, headers=buyer)
    assert hidden.json()["data"] == []

    await act_on(stack, accreditation["id"], "reinstate", assessor)
    await statuses_become(stack, [masterclass, practitioner], "published")

    await act_on(stack, accreditation["id"], "revoke", assessor, reason="complaints upheld")
    withdrawn = await statuses_become(stack, [masterclass, practitioner], "withdrawn")
    assert {course["status_cause"] for course in withdrawn} == {"accreditation"}


async def act_on(stack, accreditation_id: str, action: str, headers: dict, reason: str | None = None) -> None:
    response = await stack.client.post(f"/api/v1/accreditations/{accreditation_id}/{action}", headers=headers,
                                       json={"reason": reason} if reason else None)
    assert response.status_code == 200, response.text


async def statuses_become(stack, courses: list[dict], status: str) -> list[dict]:
    """The courses once every one of them has `status` (the training service acts on events by itself)."""
    admin = await stack.as_role("admin")

    async def check():
        current = [(await stack.client.get(f"/api/v1/courses/{c['id']}", headers=admin)).json() for c in courses]
        return current if all(course["status"] == status for course in current) else None

    return await eventually(check)
