"""Seed steps of the accreditation service: three of the seeded suppliers become accredited training
providers through the public API, as a real provider and assessor would (apply, submit, assess, approve).

Safe to run again: a provider that already has an approved application keeps its accreditation, and
one whose application is under way is taken on from where it stands. The accreditation ids are left in
`api.refs` as "accreditation:<supplier ref>" for the steps that seed courses.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:  # seed.py imports this module to list its steps
    from deploy.local.seed import SeedApi

APPLICATIONS = "/api/v1/accreditation/applications"
CRITERIA = ("curriculum_framework_mapping", "trainer_credentials", "quality_assurance", "accessibility",
            "cultural_capability")

PROVIDERS: dict[str, dict[str, Any]] = {
    "pounamu": {
        "training_areas": ["executive_ai_leadership", "practitioner_ai_skills", "ai_te_reo_maori_contexts"],
        "audiences": ["executive_tier_1", "executive_tier_2", "executive_tier_3", "practitioner", "all_staff"],
        "trainers": [{"name": "Hemi Parata", "credentials": "MEd; former chief digital officer; 12 years teaching"},
                     {"name": "Ana Fifita", "credentials": "PhD in human-computer interaction"}],
        "delivery_history": "Sixty cohorts of AI leadership and practitioner courses for agencies since 2020.",
        "quality_process": "Evaluation after every cohort, external moderation each year, complaints answered "
                           "within ten working days and reported to the board.",
    },
    "kauri": {
        "training_areas": ["responsible_ai_assurance", "technical_ml_engineering"],
        "audiences": ["practitioner"],
        "trainers": [{"name": "Aroha Ngata", "credentials": "Certified AI auditor; ISO/IEC 42001 lead implementer"}],
        "delivery_history": "Assurance workshops for twelve agencies and two district councils.",
        "quality_process": "Peer review of every course change; complaints go to an independent reviewer.",
    },
    "tui": {
        "training_areas": ["ai_te_reo_maori_contexts", "practitioner_ai_skills"],
        "audiences": ["practitioner", "all_staff"],
        "trainers": [{"name": "Mere Walker", "credentials": "Fluent te reo Māori speaker; MSc in linguistics"}],
        "delivery_history": "Te reo Māori speech technology training for contact centre teams since 2022.",
        "quality_process": "Feedback from every session reviewed monthly with iwi partners.",
    },
}


def _failed(message: str) -> Exception:
    # Imported when needed: seed.py imports this module for its STEPS, and `make run` catches SeedError.
    from deploy.local.seed import SeedError
    return SeedError(message)


def _expect(response: httpx.Response, status: int) -> None:
    if response.status_code != status:
        raise _failed(f"{response.request.method} {response.request.url.path} answered {response.status_code}: "
                      f"{response.text[:500]}")


def _application_body(name: str) -> dict[str, Any]:
    return {**PROVIDERS[name], "evidence": [
        {"title": "Curriculum mapped to the public service AI skills framework", "kind": "document",
         "content_hash": "5f2b1c0e6a4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6b5a49"},
        {"title": "Course outlines", "kind": "link", "link": f"https://{name}.example.nz/courses"}]}


def _existing(api: SeedApi, supplier_id: str) -> dict[str, Any] | None:
    """The supplier's approved initial application, else its newest one still open, else None."""
    applications = api.list_all(APPLICATIONS, as_client="assessor",
                                params={"supplier_id": supplier_id, "kind": "initial"})
    approved = [a for a in applications if a["status"] == "approved"]
    open_ = [a for a in applications if a["status"] not in ("approved", "declined")]
    return (approved or open_ or [None])[0]


def _apply(api: SeedApi, name: str, token: str) -> dict[str, Any]:
    """A new draft, retried while the accreditation service has not yet heard the supplier is active."""
    for _ in range(75):
        outcome = api.create(APPLICATIONS, _application_body(name), token=token)
        if "id" in outcome.body:
            return api.get(f"{APPLICATIONS}/{outcome.body['id']}", as_client="assessor")
        time.sleep(0.2)
    raise _failed(f"the accreditation service did not accept {name}'s application: {outcome.body.get('detail')}")


def _advance(api: SeedApi, application: dict[str, Any], token: str) -> dict[str, Any]:
    """Take an application from wherever it stands to approved."""
    url = f"{APPLICATIONS}/{application['id']}"
    steps = {
        "draft": lambda: api.post(f"{url}/submit", token=token),
        "submitted": lambda: api.post(f"{url}/start-assessment", as_client="assessor"),
        "information_requested": lambda: api.post(f"{url}/respond", token=token,
                                                  json={"answers": ["See the curriculum map in the evidence."]}),
        "under_assessment": lambda: api.post(f"{url}/approve", as_client="assessor", json={
            "ratings": [{"criterion": c, "rating": "met"} for c in CRITERIA],
            "reason": "Every criterion met; seeded demonstration provider."}),
    }
    while application["status"] in steps:
        response = steps[application["status"]]()
        _expect(response, 200)
        application = response.json()
    return application


def accredit_providers(api: SeedApi) -> str:
    """Three seeded suppliers apply for accreditation; an assessor assesses and approves each."""
    newly = 0
    for name in PROVIDERS:
        supplier_id = api.refs[f"supplier:{name}"]
        application = _existing(api, supplier_id)
        if application is None or application["status"] != "approved":
            token = api.supplier_token(supplier_id)
            application = _advance(api, application or _apply(api, name, token), token)
            newly += 1
        if application["status"] != "approved":
            raise _failed(f"{name}'s application ended {application['status']}")
        api.refs[f"accreditation:{name}"] = application["accreditation_id"]
    return f"{len(PROVIDERS)} accredited training providers ({newly} newly)"

