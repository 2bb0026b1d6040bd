"""Demo data of the hub: agency AI use cases, registered for their agencies, linked to the seeded offerings.

The hub learns of published offerings from their events, a moment after publication; a use case is
registered once the offerings it links (and its category) are in the registry. Safe to run again: each
creation carries an Idempotency-Key made from its body.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # seed.py imports this module for its STEPS
    from deploy.local.seed import SeedApi

USE_CASES_PATH = "/api/v1/registry/use-cases"
WAIT_SECONDS = 30.0
COMPLETED = {"privacy": "completed", "algorithm": "completed"}
NO_MAORI_DATA = {"involves": "no"}


def _maori_data(governance: str) -> dict[str, str]:
    return {"involves": "yes", "data_status": "Identifiable records held by the agency",
            "iwi_engagement": "Discussed with the agency's Māori advisory group before design",
            "governance": governance}


# (agency, name, short description, purpose, phase, category, risk, model type, linked offering names,
#  assessments, Māori data, contact mailbox)
USE_CASES: list[tuple] = [
    ("Ministry of Social Development", "Benefit letter translation",
     "Letters about benefits are translated into te reo Māori and checked by a fluent reviewer before they go out.",
     "Clients who prefer te reo Māori receive letters in it on the same day as in English.", "production",
     "ai.translation", "limited", "Neural machine translation", ["Tui Whakamāori"], COMPLETED,
     _maori_data("Held under the agency's Māori data governance framework, agreed with iwi partners."),
     "ai-transparency@msd.example.govt.nz"),
    ("Inland Revenue", "Payment anomaly detection",
     "Flags unusual refund claims for an investigator to look at; no claim is stopped without a person deciding.",
     "Finds fraud earlier and spends investigators' time on the claims most likely to need it.", "pilot",
     "ai.predictive-analytics", "high", "Gradient boosted trees", ["Kauri Risk Lens"],
     {"privacy": "completed", "algorithm": "in_progress"}, NO_MAORI_DATA, "algorithms@ird.example.govt.nz"),
    ("Department of Internal Affairs", "Passport form capture",
     "Reads scanned passport renewal forms and fills the case record for an officer to confirm.",
     "Cuts manual keying of paper forms and the errors it brings.", "development", "ai.document-processing",
     "limited", "Document understanding model", ["Kauri DocSense", "Wattle Capture"],
     {"privacy": "completed", "algorithm": "not_started"}, NO_MAORI_DATA, "ai@dia.example.govt.nz"),
    ("Department of Internal Affairs", "Bilingual enquiries assistant",
     "A virtual agent answers common questions about identity documents in English and te reo Māori.",
     "Answers simple questions at any hour and frees the contact centre for harder ones.", "idea",
     "ai.chatbots-and-search", "limited", "Retrieval-augmented language model", ["Tui Pātai"],
     {"privacy": "not_started", "algorithm": "not_started"},
     _maori_data("Te reo Māori content is reviewed with the agency's Māori language advisers."),
     "ai@dia.example.govt.nz"),
    ("Health New Zealand", "Clinical note summarisation",
     "Drafts a summary of a patient's notes for the clinician, who edits and signs it.",
     "Gives clinicians back time spent reading long histories before appointments.", "design",
     "ai.generative-assistants", "high", "Large language model, hosted in New Zealand", ["SX Assistant"],
     {"privacy": "in_progress", "algorithm": "not_started"},
     _maori_data("Governed with the Māori health directorate under the health sector data principles."),
     "digital-ethics@health.example.govt.nz"),
    ("Department of Conservation", "Predator detection on trail cameras",
     "Identifies stoats, rats and possums in trail camera images so rangers can act on the sightings.",
     "Rangers review thousands of images in minutes instead of days.", "pilot", "ai.computer-vision", "minimal",
     "Image classification model", ["SX Vision", "Wattle Inspect"],
     {"privacy": "not_required", "algorithm": "completed"}, NO_MAORI_DATA, "science@doc.example.govt.nz"),
]


def _body(entry: tuple, offerings: dict[str, str]) -> dict[str, Any]:
    (agency, name, short, purpose, phase, category, risk, model_type, linked, assessments, maori, email) = entry
    return {
        "agency": agency, "name": name, "short_description": short, "purpose_and_benefit": purpose,
        "phase": phase, "category": category, "risk_level": risk,
        "human_oversight": "A trained officer reviews every output before it affects anyone.",
        "data_used": "Records the agency already holds for this service; nothing bought in.",
        "model_type": model_type, "linked_offering_ids": [offerings[n] for n in linked if n in offerings],
        "impact_assessments": assessments, "maori_data": maori,
        "contact": {"name": f"{agency} AI team", "email": email}, "started_on": "2026-07-01",
    }


def _published_offerings(api: SeedApi) -> dict[str, str]:
    return {o["name"]: o["id"] for o in api.list_all("/api/v1/offerings", as_client="buyer")
            if o["status"] == "published"}


def _register(api: SeedApi, body: dict[str, Any]) -> str:
    """Create the use case, waiting while the hub has not yet heard of its offerings or category."""
    from deploy.local.seed import SeedError

    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            # Many agencies' use cases: an admin names each one's agency (a buyer registers only its own).
            return api.create(USE_CASES_PATH, body, as_client="admin").status
        except SeedError as exc:
            if " 422:" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def make_use_cases(api: SeedApi) -> str:
    """Agencies' AI use cases, registered for their agencies by an admin and linked to the marketplace's offerings."""
    offerings = _published_offerings(api)
    outcomes = [_register(api, _body(entry, offerings)) for entry in USE_CASES]
    agencies = len({entry[0] for entry in USE_CASES})
    registry = api.get("/api/v1/registry/insights", as_client="buyer")
    return (f"{len(USE_CASES)} use cases from {agencies} agencies ({outcomes.count('created')} new); "
            f"registry holds {registry['total']} entries")
