"""Stack helpers for the hub's tests: a published offering made for real, registry reads, use-case bodies."""

from __future__ import annotations

from servicekit.testing import eventually
from testsupport.assurance_helpers import assessed
from testsupport.helpers import active_supplier, activated

OFFERINGS = "/api/v1/offerings"
ENTRIES = "/api/v1/registry/entries"
USE_CASES = "/api/v1/registry/use-cases"


def offering_body(**overrides) -> dict:
    """A valid draft offering in categories the default agreement scope covers."""
    body = {
        "name": "Kōrero Translate", "summary": "Te reo Māori and English translation for agency documents.",
        "description": "Neural translation between te reo Māori and English, reviewed by fluent speakers.",
        "categories": ["ai.translation", "ai.document-processing"], "engagement_type": "engagement.licensing-saas",
        "pricing": {"model": "per_user_per_month", "min_nzd": 20, "max_nzd": 45},
        "deployment": "saas", "data_residency": {"region": "new_zealand"}, "te_reo_maori_support": True,
        "model_provenance": {"kind": "mixed", "models": ["in-house te reo model"]},
        "human_oversight": "Translators review every output before release.",
        "maori_data": {"involves": "yes", "governance": "Governed under a data sovereignty agreement."},
    }
    return body | overrides


async def eligible_supplier(stack) -> dict:
    """An active supplier with an agreement in force, once the catalogue knows of both."""
    supplier = await active_supplier(stack)
    await activated(stack, supplier)
    headers = await stack.as_role("admin")

    async def sellable():
        response = await stack.client.get(f"/api/v1/eligibility/suppliers/{supplier['id']}", headers=headers)
        return response.status_code == 200 and response.json()["categories"]

    await eventually(sellable)
    return supplier


async def published_offering(stack, supplier: dict, **overrides) -> dict:
    """An offering drafted and submitted by the supplier and published by an assessor, for real."""
    own = await stack.as_supplier(supplier["credentials"])
    response = await stack.client.post(OFFERINGS, json=offering_body(**overrides), headers=own)
    assert response.status_code == 201, response.text
    offering = response.json()
    await assessed(stack, own, offering["id"])
    assert (await stack.client.post(f"{OFFERINGS}/{offering['id']}/submit", headers=own)).status_code == 200
    response = await stack.client.post(f"{OFFERINGS}/{offering['id']}/publish", headers=await stack.as_role("assessor"))
    assert response.status_code == 200, response.text
    return response.json()


async def entry(stack, entry_id: str) -> dict | None:
    """The entry as the public registry shows it, or None while it is not listed."""
    response = await stack.client.get(f"{ENTRIES}/{entry_id}")
    return response.json() if response.status_code == 200 else None


async def listed(stack) -> dict[str, int]:
    """The public registry: entry id -> entry version."""
    response = await stack.client.get("/api/v1/registry/export.json")
    assert response.status_code == 200, response.text
    return {e["id"]: e["version"] for e in response.json()}


def use_case_body(**overrides) -> dict:
    body = {
        "agency": "Ministry of Social Development", "name": "Benefit letter translation",
        "short_description": "Translates benefit letters into te reo Māori before a fluent reviewer signs them off.",
        "purpose_and_benefit": "Clients receive letters in te reo Māori on the same day as in English.",
        "risk_level": "limited", "human_oversight": "A fluent reviewer approves every letter.",
        "data_used": "Letter templates and client names; no case notes.", "model_type": "Neural machine translation",
        "impact_assessments": {"privacy": "completed", "algorithm": "in_progress"},
        "maori_data": {"involves": "yes", "data_status": "Client names only",
                       "iwi_engagement": "Reviewed with the Māori advisory group",
                       "governance": "Held under the agency's Māori data governance framework."},
        "contact": {"name": "AI transparency team", "email": "ai-transparency@msd.example.govt.nz"},
    }
    return body | overrides


TRANSPARENCY = "/api/v1/registry/use-cases/{}/transparency"
ANNEX_VIII = {
    "deployer_address": "Level 3, 56 The Terrace, Wellington", "deployer_contact_email": "algorithms@ird.example.govt.nz",
    "submitted_by": "Chief Data Officer", "fundamental_rights_impact_summary": "Assessed in March: no group denied a refund.",
    "data_protection_impact_summary": "Privacy impact assessment completed in February.",
    "provider_name": "Kauri AI Limited", "trade_name": "Kauri Risk Lens",
    "intended_purpose": "Ranks refund claims for an investigator's attention.", "system_status": "in_service",
    "member_states": ["IE"],
}


def transparency_body(**overrides) -> dict:
    """A full transparency record, ATRS tier 2, for a use case involving Māori data."""
    body = {
        "website_url": "https://www.msd.example.govt.nz/ai/letters",
        "owner": {"team": "Client Communications", "senior_responsible_owner": "Deputy Chief Executive, Service Delivery",
                  "external_supplier_role": "Provides and hosts the translation model."},
        "description": {"detailed_description": "Each letter is translated and queued for a fluent reviewer.",
                        "scope": "Benefit letters only; no decisions are made by the tool.",
                        "alternatives_considered": "Human translation alone, which took a week per letter.",
                        "maintenance": "The model is re-evaluated every quarter against reviewed letters.",
                        "models": "A neural translation model tuned on reviewed government letters."},
        "decision_making": {"process_integration": "Runs after a letter is drafted, before it is sent.",
                            "provided_information": "A draft translation beside the English letter.",
                            "frequency_and_scale": "About 2,000 letters a week.",
                            "human_decisions_and_review": "A fluent reviewer edits and approves every letter.",
                            "required_training": "Reviewers complete the translation review course.",
                            "appeals_and_review": "Clients may ask for any letter to be translated again by a person."},
        "data": {"source_data_name": "Letter templates", "data_modality": "text",
                 "data_description": "Letter templates and client names.", "data_collection": "Written by the agency.",
                 "data_access_and_storage": "Held in New Zealand; the supplier sees letters only while translating."},
        "maori_data_governance": {"arrangements": "Agreed with iwi partners under the agency's framework.",
                                  "benefit_to_maori": "Letters in te reo Māori on the same day."},
        "impact_assessments_completed": [{"name": "Privacy impact assessment", "description": "Names only.",
                                          "completed_on": "2026-05-01"}],
        "risks": [{"name": "Mistranslation", "category": "accuracy", "description": "A wrong word changes meaning.",
                   "mitigation": "A fluent reviewer approves every letter."}],
    }
    return body | overrides
