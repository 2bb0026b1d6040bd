"""Contracts of the catalogue service: the AI solution categories and engagement types, and offerings."""

from __future__ import annotations

from datetime import date
from typing import Literal

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
AssuranceStandard = Literal["iso_iec_42001", "iso_iec_27001", "csa_star", "nzism_certification_accreditation",
                            "privacy_impact_assessment", "algorithm_impact_assessment", "nist_ai_rmf"]
EvidenceType = Literal["third_party_certificate", "self_assessment", "agency_assessment"]
AssuranceStatus = Literal["active", "suspended", "withdrawn", "expired"]
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
    """A certificate or assessment the supplier holds for the offering."""

    standard: AssuranceStandard
    evidence_type: EvidenceType
    issuer: str
    certificate_number: str | None = None
    scope: str | None = None
    issued_on: date
    expires_on: date
    status: AssuranceStatus


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


@event_type(OFFERING_TOPIC, "nz.govt.marketplace.offering.retired.v1")
class OfferingRetired(OfferingEvent):
    """An admin retired the offering for good."""
