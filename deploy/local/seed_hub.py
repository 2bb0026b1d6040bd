"""Demo data of the hub: agency AI use cases, registered for their agencies, linked to the seeded offerings.

The hub learns of published offerings from their events, a moment after publication; a use case is
registered once the offerings it links (and its category) are in the registry. Safe to run again: each
creation carries an Idempotency-Key made from its body.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from deploy.local.seed_assurance import EVENT_PATIENCE_SECONDS

if TYPE_CHECKING:  # seed.py imports this module for its STEPS
    from deploy.local.seed import SeedApi

USE_CASES_PATH = "/api/v1/registry/use-cases"
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

    deadline = time.monotonic() + EVENT_PATIENCE_SECONDS
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


def _decision_making(review: str) -> dict[str, str]:
    return {"process_integration": "Runs inside the case management system before an officer acts.",
            "provided_information": "A suggestion with the reasons for it, beside the case.",
            "frequency_and_scale": "Every working day, on every case of this kind.",
            "human_decisions_and_review": review,
            "required_training": "Officers complete the agency's responsible AI course before using it.",
            "appeals_and_review": "Anyone affected may ask for a review by a person through the usual channels."}


# Use case name -> its transparency record (ATRS tier 2), written by the buyer who registered it.
TRANSPARENCY_RECORDS: dict[str, dict[str, Any]] = {
    "Benefit letter translation": {
        "website_url": "https://www.msd.example.govt.nz/about/ai/benefit-letters",
        "owner": {"team": "Client Communications", "senior_responsible_owner": "Deputy Chief Executive, Service Delivery",
                  "external_supplier_role": "Provides and hosts the translation model in New Zealand.",
                  "supplier_data_access_terms": "The supplier sees a letter only while translating it and keeps none."},
        "description": {"detailed_description": "Each benefit letter is translated into te reo Māori and queued for a "
                                                "fluent reviewer, who corrects and approves it before it is sent.",
                        "scope": "Benefit letters only; the tool makes no decision about anyone's benefit.",
                        "alternatives_considered": "Human translation alone, which delayed letters by a week.",
                        "maintenance": "Reviewers' corrections are checked every quarter against the model's output.",
                        "models": "A neural translation model tuned on reviewed government letters."},
        "decision_making": _decision_making("A fluent reviewer edits and approves every letter."),
        "data": {"source_data_name": "Benefit letter templates", "data_modality": "text",
                 "data_description": "Letter templates, with the client's name and the benefit's details.",
                 "data_collection": "Written by the agency; clients' details come from their own applications.",
                 "data_access_and_storage": "Held in New Zealand under the agency's records policy."},
        "maori_data_governance": {"arrangements": "Agreed with iwi partners under the agency's Māori data governance "
                                                  "framework; te reo Māori corrections stay with the agency.",
                                  "benefit_to_maori": "Whānau receive letters in te reo Māori on the same day."},
        "impact_assessments_completed": [
            {"name": "Privacy impact assessment", "description": "Names and benefit details only; no case notes.",
             "completed_on": "2026-05-04"},
            {"name": "Algorithm impact assessment", "description": "Low impact: every letter is reviewed.",
             "completed_on": "2026-05-18"}],
        "risks": [{"name": "Mistranslation", "category": "accuracy",
                   "description": "A wrong word could change what a letter tells a client.",
                   "mitigation": "A fluent reviewer approves every letter before it is sent."}],
        "eu_ai_act": {"risk_class": "limited"},
    },
    "Payment anomaly detection": {
        "owner": {"team": "Integrity Intelligence", "senior_responsible_owner": "Deputy Commissioner, Integrity",
                  "external_supplier_role": "Supplies the scoring model; the agency runs it on its own systems."},
        "description": {"detailed_description": "Scores refund claims for how unusual they are, so investigators "
                                                "look first at those most likely to need it.",
                        "scope": "Refund claims; no claim is stopped or delayed by the score alone.",
                        "alternatives_considered": "Random sampling and fixed rules, which found fewer cases.",
                        "maintenance": "Retrained twice a year; drift is watched every month.",
                        "models": "Gradient boosted trees over claim features."},
        "decision_making": _decision_making("An investigator decides on every flagged claim; the score only orders "
                                            "the queue."),
        "data": {"source_data_name": "Refund claims", "data_modality": "tabular",
                 "data_description": "Claim amounts, timing and the filer's history with the agency.",
                 "sensitive_attributes": "No ethnicity, gender or age is used; proxies were tested for.",
                 "data_collection": "From filed returns and claims.",
                 "data_access_and_storage": "Only the integrity team reads the scores; held in New Zealand."},
        "risks": [{"name": "Unfair targeting", "category": "bias_and_fairness",
                   "description": "Some groups could be flagged more often than others.",
                   "mitigation": "Flag rates are compared across groups every month and reported to the ethics panel."},
                  {"name": "Over-reliance", "category": "human_oversight",
                   "description": "Investigators could treat a high score as proof.",
                   "mitigation": "Training, and the score is shown without a verdict."}],
        "eu_ai_act": {"risk_class": "high", "annex_viii": {
            "deployer_address": "55 Featherston Street, Wellington", "deployer_contact_email": "algorithms@ird.example.govt.nz",
            "submitted_by": "Chief Data Officer",
            "fundamental_rights_impact_summary": "No claim is decided by the model; flag rates are monitored by group.",
            "data_protection_impact_summary": "Privacy impact assessment completed; no new data is collected.",
            "provider_name": "Kauri AI Limited", "trade_name": "Kauri Risk Lens",
            "intended_purpose": "Ranks refund claims for an investigator's attention.", "system_status": "in_service"}},
    },
}


def write_transparency_records(api: SeedApi) -> str:
    """Transparency records of two seeded use cases (one high-risk, with its EU AI Act registration)."""
    from deploy.local.seed import SeedError

    use_cases = {u["name"]: u["id"] for u in api.list_all(USE_CASES_PATH, as_client=None)}
    written = 0
    for name, record in TRANSPARENCY_RECORDS.items():
        response = api.put(f"{USE_CASES_PATH}/{use_cases[name]}/transparency", as_client="admin", json=record)
        if response.status_code not in (201, 428):  # 428: written by an earlier run (replacing needs If-Match)
            raise SeedError(f"PUT transparency record of {name} -> {response.status_code}: {response.text}")
        written += response.status_code == 201
    return f"{len(TRANSPARENCY_RECORDS)} transparency records ({written} new)"
