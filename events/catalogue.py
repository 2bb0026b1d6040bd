"""Contracts of the catalogue service: the AI solution categories and engagement types, and offerings."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from events.assurance import Commitment, ImpactLevel
from events.base import Contract, Event
from events.topics import event_type, topic

CATEGORY_TOPIC = topic(
    "catalogue.category.v1",
    producer="catalogue",
    description="Life of every category of the two-axis taxonomy: creation (seeded or by an admin), changes, "
                "retirement.",
    consumers=["hub", "partners", "assistant"],
)

CategoryAxis = Literal["solution", "engagement"]
CategoryStatus = Literal["active", "retired"]


class CategoryState(Contract):
    """Public state of a category."""

    code: str = Field(description="Stable code, e.g. ai.document-processing; also the aggregate id")
    axis: CategoryAxis = Field(description="solution (what the AI does) or engagement (how it is delivered)")
    name: str
    description: str
    parent: str | None = Field(default=None, description="Code of the parent category; null at the top level")
    status: CategoryStatus


class CategoryEvent(Event):
    category: CategoryState


@event_type(CATEGORY_TOPIC, "nz.govt.marketplace.category.created.v1")
class CategoryCreated(CategoryEvent):
    """A category was added to the taxonomy (seeded from the data file or by an admin)."""


@event_type(CATEGORY_TOPIC, "nz.govt.marketplace.category.updated.v1")
class CategoryUpdated(CategoryEvent):
    """The name or description of a category changed."""


@event_type(CATEGORY_TOPIC, "nz.govt.marketplace.category.retired.v1")
class CategoryRetired(CategoryEvent):
    """An admin retired the category (reason given); offerings in it are kept."""


OFFERING_TOPIC = topic(
    "catalogue.offering.v1",
    producer="catalogue",
    description="Life of every offering: drafts and their changes, submission, assessment (publication or "
                "rejection), withdrawal, suspension (by an admin, or by the catalogue when the supplier stops "
                "being eligible) and reinstatement, retirement.",
    consumers=["hub", "partners", "assistant", "assurance"],
)

OfferingStatus = Literal["draft", "submitted", "published", "rejected", "suspended", "withdrawn", "retired"]
PricingModel = Literal["per_user_per_month", "per_transaction", "fixed_price", "daily_rate"]
Deployment = Literal["saas", "on_premises", "hybrid"]
ResidencyRegion = Literal["new_zealand", "australia", "other"]
ProvenanceKind = Literal["proprietary", "open_weights", "mixed"]
# From the impact level of the offering's accepted assessment (IMPACT_TIERS); unassessed until one is accepted.
RiskTier = Literal["unassessed", "minimal", "limited", "high"]
IMPACT_TIERS: dict[str, str] = {"I": "minimal", "II": "limited", "III": "high", "IV": "high"}
# Why a published offering's assessment no longer stands as it did: buyers see the flag.
AssuranceFlag = Literal["renewal_due", "lapsed"]
MaoriDataInvolvement = Literal["yes", "no", "unsure"]
# The certification schemes and assessments an assurance record may name.
AssuranceStandard = Literal["iso_iec_42001", "iso_iec_27001", "iso_iec_27701", "iso_iec_27017", "iso_iec_27018",
                            "soc_2", "csa_star", "nzism_certification_accreditation", "irap",
                            "privacy_impact_assessment", "algorithm_impact_assessment", "nist_ai_rmf"]
EvidenceType = Literal["third_party_certificate", "self_assessment", "agency_assessment"]
AssuranceStatus = Literal["active", "suspended", "withdrawn", "expired"]
# An assessor's finding on a record: only a verified record counts in search (see `record_counts`).
Verification = Literal["unverified", "verified", "rejected"]
SuspensionCause = Literal["admin", "eligibility"]


class Pricing(Contract):
    """How the offering is priced, in NZD excluding GST."""

    model: PricingModel
    min_nzd: float = Field(ge=0)
    max_nzd: float = Field(ge=0)


class DataResidency(Contract):
    """Where the offering keeps its data; `country` (ISO 3166-1 alpha-2) when the region is other."""

    region: ResidencyRegion
    country: str | None = None


class ModelProvenance(Contract):
    """Where the AI models come from, and which they are."""

    kind: ProvenanceKind
    models: list[str]


class MaoriData(Contract):
    """Whether the offering involves Māori data, and how that data is governed."""

    involves: MaoriDataInvolvement
    governance: str | None = None


class AssuranceRecord(Contract):
    """A certificate or assessment the supplier holds for the offering, and an assessor's finding on it. The id
    is a digest of what the supplier stated, so a record changed in any of those fields is a new, unverified
    one."""

    id: str | None = Field(default=None, description="Digest of the stated fields (absent before 2026-12-04)")
    standard: AssuranceStandard = Field(description="The certification scheme or kind of assessment")
    evidence_type: EvidenceType
    issuer: str = Field(description="The body that issued the certificate or made the assessment")
    accrediting_body: str | None = Field(default=None, description="The body that accredited the issuer")
    certificate_number: str | None = None
    scope: str | None = None
    issued_on: date
    expires_on: date
    status: AssuranceStatus
    verification: Verification = "unverified"
    reviewed_at: datetime | None = Field(default=None, description="When an assessor last marked the record")
    expiry_notice_on: date | None = Field(
        default=None, description="The day the catalogue announced that the record expires within 30 days")


def record_counts(record: Mapping[str, Any], today: date | None = None) -> bool:
    """Whether an assurance record counts in filters, facets and comparisons: active, verified by an assessor
    and, when `today` is given, in date on that day (a record past its expiry stops counting that day)."""
    if record.get("status") != "active" or record.get("verification", "unverified") != "verified":
        return False
    return today is None or date.fromisoformat(str(record["issued_on"])) <= today <= date.fromisoformat(
        str(record["expires_on"]))


class OfferingState(Contract):
    """Public state of an offering."""

    id: str
    supplier_id: str
    name: str
    summary: str
    description: str
    categories: list[str] = Field(description="Solution category codes (1-3)")
    engagement_type: str = Field(description="Engagement category code")
    pricing: Pricing
    deployment: Deployment
    data_residency: DataResidency
    te_reo_maori_support: bool
    model_provenance: ModelProvenance
    risk_tier: RiskTier = Field(description="From the impact level of the accepted assessment; unassessed before")
    human_oversight: str
    maori_data: MaoriData
    assurance_records: list[AssuranceRecord] = []
    status: OfferingStatus
    suspended_reason: SuspensionCause | None = Field(
        default=None, description="While suspended: by an admin, or by the catalogue for lost eligibility")
    assessment_id: str | None = Field(default=None, description="The accepted assessment behind the offering")
    impact_level: ImpactLevel | None = Field(default=None, description="That assessment's impact level (I-IV)")
    commitments_addressed: list[Commitment] = Field(
        default=[], description="The Algorithm Charter commitments that assessment shows addressed")
    assurance_flag: AssuranceFlag | None = Field(
        default=None, description="Set while that assessment is due for renewal (a newer questionnaire) or lapsed")


class OfferingEvent(Event):
    offering: OfferingState


@event_type(OFFERING_TOPIC, "nz.govt.marketplace.offering.created.v1")
class OfferingCreated(OfferingEvent):
    """A supplier started a draft offering."""


@event_type(OFFERING_TOPIC, "nz.govt.marketplace.offering.updated.v1")
class OfferingUpdated(OfferingEvent):
    """The supplier changed a draft or rejected offering; its status did not change."""


@event_type(OFFERING_TOPIC, "nz.govt.marketplace.offering.submitted.v1")
class OfferingSubmitted(OfferingEvent):
    """The supplier submitted the offering for assessment."""


@event_type(OFFERING_TOPIC, "nz.govt.marketplace.offering.published.v1")
class OfferingPublished(OfferingEvent):
    """An assessor published the offering; buyers can see it."""


@event_type(OFFERING_TOPIC, "nz.govt.marketplace.offering.rejected.v1")
class OfferingRejected(OfferingEvent):
    """An assessor rejected the offering (reasons given)."""


@event_type(OFFERING_TOPIC, "nz.govt.marketplace.offering.redrafted.v1")
class OfferingRedrafted(OfferingEvent):
    """The supplier took a rejected offering back to draft."""


@event_type(OFFERING_TOPIC, "nz.govt.marketplace.offering.withdrawn.v1")
class OfferingWithdrawn(OfferingEvent):
    """The supplier withdrew its published offering."""


@event_type(OFFERING_TOPIC, "nz.govt.marketplace.offering.suspended.v1")
class OfferingSuspended(OfferingEvent):
    """An admin suspended the offering, or the catalogue did when the supplier stopped being eligible (reason
    given; `offering.suspended_reason` says which)."""


@event_type(OFFERING_TOPIC, "nz.govt.marketplace.offering.reinstated.v1")
class OfferingReinstated(OfferingEvent):
    """A suspended offering is published again (by an admin, or by the catalogue when eligibility returned)."""


@event_type(OFFERING_TOPIC, "nz.govt.marketplace.offering.assessed.v1")
class OfferingAssessed(OfferingEvent):
    """The offering's assurance standing changed: an assessment of it was accepted (risk tier, impact level and
    commitments from it), or the one behind it became due for renewal or lapsed (`assurance_flag`)."""


@event_type(OFFERING_TOPIC, "nz.govt.marketplace.offering.evidenced.v1")
class OfferingEvidenced(OfferingEvent):
    """The supplier replaced the offering's assurance records (a renewed certificate, say); records it sent
    unchanged keep their finding, new or changed ones are unverified."""


@event_type(OFFERING_TOPIC, "nz.govt.marketplace.offering.reviewed.v1")
class OfferingReviewed(OfferingEvent):
    """An assessor marked one of the offering's assurance records verified, unverified or rejected."""

    record_id: str
    verification: Verification


@event_type(OFFERING_TOPIC, "nz.govt.marketplace.offering.forewarned.v1")
class OfferingForewarned(OfferingEvent):
    """A verified record of the offering expires within 30 days (announced once per record, by the catalogue);
    its supplier should send the renewed certificate."""

    record_id: str
    expires_on: date


@event_type(OFFERING_TOPIC, "nz.govt.marketplace.offering.retired.v1")
class OfferingRetired(OfferingEvent):
    """An admin retired the offering for good."""
