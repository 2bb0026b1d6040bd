"""Seed step of the training service: the accredited providers list courses, some free, each with a
session or two, through the public API as a provider would.

Safe to run again: a course is created with an Idempotency-Key made from its body (a rerun replays it),
published only while still a draft, and given sessions only when it has none.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # seed.py imports this module to list its steps
    from deploy.local.seed import SeedApi


def _course(name: str, code: str, area: str, audiences: list[str], price: float, **extra: Any) -> dict[str, Any]:
    return {"name": name, "course_code": code, "training_area": area, "audiences": audiences,
            "price_nzd": price, "level": "introductory", "mode": "online", "pacing": "scheduled",
            "workload_hours": 7, "language": "en", "prerequisites": []} | extra


COURSES: dict[str, list[dict[str, Any]]] = {
    "pounamu": [
        _course("Leading with AI: an executive masterclass", "PNM-EXEC-101", "executive_ai_leadership",
                ["executive_tier_1", "executive_tier_2"], 0, mode="in_person",
                description="A one-day masterclass for tier 1 and 2 leaders on AI strategy, risk appetite and "
                            "the public service AI framework, with case studies from New Zealand agencies."),
        _course("AI for tier 3 leaders: from pilot to production", "PNM-EXEC-201", "executive_ai_leadership",
                ["executive_tier_3"], 890, mode="blended", workload_hours=12, level="intermediate",
                description="Two half-days on funding, procuring and governing AI projects, and on reading an "
                            "algorithm impact assessment."),
        _course("Generative AI for policy teams", "PNM-PRAC-110", "practitioner_ai_skills", ["practitioner"],
                650, pacing="self_paced", workload_hours=10,
                description="Drafting, summarising and checking with generative assistants safely: prompts, "
                            "privacy, verification and record keeping."),
        _course("AI in te reo Māori contexts: an introduction for all staff", "PNM-REO-100",
                "ai_te_reo_maori_contexts", ["all_staff"], 0, pacing="self_paced", workload_hours=3,
                description="What AI can and cannot do with te reo Māori, Māori data sovereignty and where to "
                            "ask for advice."),
    ],
    "kauri": [
        _course("Algorithm impact assessments in practice", "KAU-RAI-210", "responsible_ai_assurance",
                ["practitioner"], 1450, level="intermediate", workload_hours=24,
                nzqa={"credits": 10, "level": 6},
                description="Four weeks of hands-on work on bias testing, model evaluation and writing an "
                            "algorithm impact assessment that stands up to review."),
        _course("Machine learning engineering for public data", "KAU-ML-300", "technical_ml_engineering",
                ["practitioner"], 2400, level="advanced", mode="in_person", workload_hours=35,
                description="Building, deploying and monitoring models on agency data: pipelines, evaluation, "
                            "drift and secure MLOps on New Zealand hosted platforms."),
        _course("Responsible AI basics", "KAU-RAI-100", "responsible_ai_assurance", ["practitioner"], 0,
                pacing="self_paced", workload_hours=2,
                description="A short free primer on fairness, transparency and accountability in public "
                            "service AI."),
    ],
    "tui": [
        _course("Speech technology for te reo Māori", "TUI-REO-220", "ai_te_reo_maori_contexts",
                ["practitioner"], 980, level="intermediate", language="mi", workload_hours=16,
                description="Speech recognition and synthesis for te reo Māori: data, models and working with "
                            "iwi on consent and governance."),
        _course("Kōrero with AI: te reo in contact centres", "TUI-PRAC-120", "practitioner_ai_skills",
                ["practitioner", "all_staff"], 0, workload_hours=4,
                description="How contact centre teams use bilingual assistants well, and when to hand over "
                            "to a person."),
    ],
}


def _publish(api: SeedApi, course: dict[str, Any], token: str) -> bool:
    """Publish a draft, retried while the training service has not yet heard of the accreditation."""
    if course["status"] != "draft":
        return False
    for _ in range(75):
        response = api.post(f"/api/v1/courses/{course['id']}/publish", token=token)
        if response.status_code == 200:
            return True
        time.sleep(0.2)
    from deploy.local.seed import SeedError  # seed.py imports this module for its STEPS
    raise SeedError(f"course {course['course_code']} was not published: {response.text[:300]}")


def _schedule(api: SeedApi, course: dict[str, Any], token: str, index: int) -> int:
    """Two sessions a month apart, starting within the next weeks, unless the course has sessions."""
    if course["pacing"] != "scheduled" or course["sessions"]:
        return 0
    first = (datetime.now(timezone.utc) + timedelta(days=14 + 7 * index)).replace(hour=21, minute=0, second=0,
                                                                                microsecond=0)
    for start in (first, first + timedelta(days=30)):
        body = {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=7)).isoformat(),
                "online": course["mode"] == "online", "capacity": 20 + 5 * index,
                "location": None if course["mode"] == "online" else "Wellington"}
        response = api.post(f"/api/v1/courses/{course['id']}/sessions", token=token, json=body)
        if response.status_code != 201:
            from deploy.local.seed import SeedError
            raise SeedError(f"session of {course['course_code']} refused: {response.text[:300]}")
    return 2


def list_courses(api: SeedApi) -> str:
    """Each accredited provider lists its courses (some free) and schedules sessions."""
    published = sessions = total = 0
    for provider, courses in COURSES.items():
        token = api.supplier_token(api.refs[f"supplier:{provider}"])
        for index, body in enumerate(courses):
            created = api.create("/api/v1/courses", body, token=token)
            course = api.get(f"/api/v1/courses/{created.body['id']}")
            sessions += _schedule(api, course, token, index)
            published += _publish(api, course, token)
            total += 1
    free = sum(1 for courses in COURSES.values() for course in courses if course["price_nzd"] == 0)
    return f"{total} courses ({free} free) published ({published} newly), {sessions} sessions scheduled"
