"""The course seed step against a running stack: accredited providers list their courses, some free, and a
rerun adds nothing."""

import asyncio

import pytest

from deploy.local.seed import register_suppliers, seed, verify_suppliers
from deploy.local.seed_accreditation import accredit_providers
from deploy.local.seed_training import COURSES, list_courses

STEPS = [register_suppliers, verify_suppliers, accredit_providers, list_courses]


@pytest.fixture
def stack_services() -> tuple[str, ...]:
    """The seed accredits providers before they list courses."""
    return ("suppliers", "accreditation", "training")


@pytest.mark.parametrize("database_backend", ["sqlite"])
async def test_the_seed_lists_courses_of_accredited_providers_and_can_run_again(stack):
    url = stack.servers["gateway"].url
    reports: list[str] = []
    await asyncio.to_thread(seed, url, report=reports.append, steps=STEPS)
    await asyncio.to_thread(seed, url, report=reports.append, steps=STEPS)
    expected = sum(len(courses) for courses in COURSES.values())
    assert reports[-1].startswith(f"seed list courses: {expected} courses")
    assert "(0 newly), 0 sessions scheduled" in reports[-1]

    buyer = await stack.as_role("buyer")
    listed = (await stack.client.get("/api/v1/courses", params={"limit": 100}, headers=buyer)).json()["data"]
    assert len(listed) == expected and {course["status"] for course in listed} == {"published"}
    free = (await stack.client.get("/api/v1/courses", params={"free": "true", "limit": 100}, headers=buyer)).json()
    assert 0 < len(free["data"]) < expected
    upcoming = await stack.client.get("/api/v1/courses", params={"upcoming_sessions": "true", "limit": 100},
                                      headers=buyer)
    scheduled = sum(1 for courses in COURSES.values() for course in courses if course["pacing"] == "scheduled")
    assert len(upcoming.json()["data"]) == scheduled
