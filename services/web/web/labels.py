"""Words for the API's codes, and small formatting helpers the templates use."""

from __future__ import annotations

import re
from datetime import date, datetime

LABELS = {
    "new_zealand": "New Zealand", "australia": "Australia", "other": "Other country",
    "minimal": "Minimal", "limited": "Limited", "high": "High", "unassessed": "Not yet assessed",
    "partnership": "Partnership (Te Tiriti o Waitangi)", "people": "People", "data": "Data",
    "privacy_ethics_human_rights": "Privacy, ethics and human rights", "human_oversight": "Human oversight",
    "transparency": "Transparency",
    "saas": "Software as a service", "on_premises": "On premises", "hybrid": "Hybrid",
    "per_user_per_month": "per user per month", "per_transaction": "per transaction",
    "fixed_price": "fixed price", "daily_rate": "daily rate",
    "proprietary": "Proprietary", "open_weights": "Open weights", "mixed": "Mixed",
    "iso_iec_42001": "ISO/IEC 42001", "iso_iec_27001": "ISO/IEC 27001", "csa_star": "CSA STAR",
    "iso_iec_27701": "ISO/IEC 27701", "iso_iec_27017": "ISO/IEC 27017", "iso_iec_27018": "ISO/IEC 27018",
    "soc_2": "SOC 2", "irap": "IRAP",
    "nzism_certification_accreditation": "NZISM certification and accreditation",
    "privacy_impact_assessment": "Privacy impact assessment",
    "algorithm_impact_assessment": "Algorithm impact assessment", "nist_ai_rmf": "NIST AI RMF",
    "third_party_certificate": "Third-party certificate", "self_assessment": "Self-assessment",
    "agency_assessment": "Agency assessment",
    "micro": "Micro", "small": "Small", "medium": "Medium", "large": "Large",
    "relevance": "Relevance", "name": "Name", "updated": "Recently updated", "created": "Newest",
    "published": "Published", "suspended": "Suspended", "withdrawn": "Withdrawn", "retired": "Retired",
    "executive_ai_leadership": "Executive AI leadership", "practitioner_ai_skills": "Practitioner AI skills",
    "responsible_ai_assurance": "Responsible AI and assurance",
    "technical_ml_engineering": "Technical machine learning engineering",
    "ai_te_reo_maori_contexts": "AI in te reo Māori contexts",
    "executive_tier_1": "Executives (tier 1)", "executive_tier_2": "Executives (tier 2)",
    "executive_tier_3": "Executives (tier 3)", "practitioner": "Practitioners", "all_staff": "All staff",
    "online": "Online", "in_person": "In person", "blended": "Blended",
    "self_paced": "Self-paced", "scheduled": "Scheduled",
    "introductory": "Introductory", "intermediate": "Intermediate", "advanced": "Advanced",
    "en": "English", "mi": "Te reo Māori",
    "offering": "AI solution", "accreditation": "Training accreditation", "course": "Training course",
    "strategic_partnership": "Strategic partnership", "use_case": "Agency use case",
    "registered": "Registered", "waitlisted": "Waitlisted", "cancelled": "Cancelled",
    "yes": "Yes", "no": "No", "unsure": "Unsure",
}
# Words that mark a text as te reo Māori when it has no macron (names of the marketplace's own pages).
MAORI_WORDS = {"kaupapa", "whānau", "iwi", "hapū", "tikanga", "mātauranga", "te reo", "kōrero", "aroha", "rangatira",
               "kia ora", "tēnā", "haere", "mahi", "ako", "wānanga", "hui", "kaitiaki", "tātai", "rarangi",
               "te", "reo", "ngā", "mō", "ki", "me", "hauora", "ora", "kia", "whakamahi", "rautaki"}
MACRONS = re.compile("[āēīōūĀĒĪŌŪ]")


def label(code: object) -> str:
    """A person's words for an API code (the code itself, tidied, when it has none)."""
    if code is None:
        return ""
    if isinstance(code, bool):
        return "Yes" if code else "No"
    text = str(code)
    return LABELS.get(text) or text.replace("_", " ").replace(".", " › ").capitalize()


# An assessor's finding on an assurance record ("rejected" alone would read as the offering's status).
VERIFICATION_LABELS = {"verified": "Verified by an assessor", "unverified": "Not yet verified",
                       "rejected": "Rejected by an assessor"}


def verification_label(code: str | None) -> str:
    return VERIFICATION_LABELS.get(code or "unverified", label(code))


def is_maori_text(text: object) -> bool:
    """Whether a short text (a name, a heading) reads as te reo Māori, so the page marks it lang="mi"."""
    if not text:
        return False
    lowered = str(text).lower()
    words = lowered.split()
    if not words:
        return False
    maori = sum(1 for w in words if MACRONS.search(w) or w.strip(",.:;") in MAORI_WORDS)
    return maori * 2 >= len(words)


def money(amount: object) -> str:
    if amount is None:
        return ""
    value = float(amount)
    return "Free" if value == 0 else f"${value:,.0f}" if value == int(value) else f"${value:,.2f}"


def day(value: object) -> str:
    if not value:
        return ""
    parsed = value if isinstance(value, date) else datetime.fromisoformat(str(value))
    return f"{parsed.day} {parsed:%B %Y}"


def when(value: object) -> str:
    if not value:
        return ""
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return f"{parsed.day} {parsed:%B %Y, %H:%M} UTC"
