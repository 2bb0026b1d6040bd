"""Contracts of the accreditation service: training-provider applications and accreditations."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from events.base import Contract, Event
from events.topics import event_type, topic

APPLICATION_TOPIC = topic(
    "accreditation.application.v1",
    producer="accreditation",
    description="Life of every accreditation application: drafts and their changes, submission, assessment, "
                "requests for information and the answers, approval or decline.",
)
ACCREDITATION_TOPIC = topic(
    "accreditation.accreditation.v1",
    producer="accreditation",
    description="Life of every accreditation of a training provider: granted on approval, renewal due, renewed, "
                "suspended and reinstated, expired, revoked, surrendered.",
    consumers=["training", "hub", "partners"],
)

TrainingArea = Literal["executive_ai_leadership", "practitioner_ai_skills", "responsible_ai_assurance",
                       "technical_ml_engineering", "ai_te_reo_maori_contexts"]
Audience = Literal["executive_tier_1", "executive_tier_2", "executive_tier_3", "practitioner", "all_staff"]
ApplicationKind = Literal["initial", "renewal"]
ApplicationStatus = Literal["draft", "submitted", "under_assessment", "information_requested", "approved",
                            "declined"]
Criterion = Literal["curriculum_framework_mapping", "trainer_credentials", "quality_assurance", "accessibility",
                    "cultural_capability"]
Rating = Literal["met", "partly_met", "not_met"]
EvidenceKind = Literal["document", "link", "sample_material", "reference", "other"]
AccreditationStatus = Literal["active", "renewal_due", "suspended", "expired", "revoked", "surrendered"]
AccreditationSuspensionCause = Literal["show_cause", "supplier"]

# Statuses in which an accreditation lets its provider publish and keep courses.
IN_FORCE: frozenset[str] = frozenset({"active", "renewal_due"})


class Trainer(Contract):
    name: str
    credentials: str


class EvidenceItem(Contract):
    """Evidence the applicant offers: a link, or the SHA-256 of content held elsewhere."""

    title: str
    kind: EvidenceKind
    link: str | None = None
    content_hash: str | None = None


class CriterionRating(Contract):
    criterion: Criterion
    rating: Rating
    notes: str | None = None


class ApplicationState(Contract):
    """Public state of an accreditation application."""

    id: str
    supplier_id: str
    kind: ApplicationKind = "initial"
    accreditation_id: str | None = Field(
        default=None, description="For a renewal application, the accreditation it renews; after an initial "
                                  "approval, the accreditation it created")
    training_areas: list[TrainingArea]
    audiences: list[Audience]
    trainers: list[Trainer] = []
    delivery_history: str
    quality_process: str
    evidence: list[EvidenceItem] = []
    status: ApplicationStatus
    ratings: list[CriterionRating] = Field(default=[], description="The assessor's ratings, once decided")
    decided_by: str | None = None


class ApplicationEvent(Event):
    application: ApplicationState


@event_type(APPLICATION_TOPIC, "nz.govt.marketplace.application.created.v1")
class ApplicationCreated(ApplicationEvent):
    """A supplier started a draft application."""


@event_type(APPLICATION_TOPIC, "nz.govt.marketplace.application.updated.v1")
class ApplicationUpdated(ApplicationEvent):
    """The supplier changed a draft, or an application awaiting its answers; the status did not change."""


@event_type(APPLICATION_TOPIC, "nz.govt.marketplace.application.submitted.v1")
class ApplicationSubmitted(ApplicationEvent):
    """The supplier submitted the application for assessment."""


@event_type(APPLICATION_TOPIC, "nz.govt.marketplace.application.opened.v1")
class AssessmentStarted(ApplicationEvent):
    """An assessor opened the assessment (status under_assessment)."""


@event_type(APPLICATION_TOPIC, "nz.govt.marketplace.application.queried.v1")
class InformationRequested(ApplicationEvent):
    """The assessor queried the applicant: questions given as the reason (status information_requested)."""


@event_type(APPLICATION_TOPIC, "nz.govt.marketplace.application.answered.v1")
class InformationProvided(ApplicationEvent):
    """The applicant answered the questions; the assessment goes on."""


@event_type(APPLICATION_TOPIC, "nz.govt.marketplace.application.approved.v1")
class ApplicationApproved(ApplicationEvent):
    """The assessor approved the application with every criterion rated; an accreditation follows."""


@event_type(APPLICATION_TOPIC, "nz.govt.marketplace.application.declined.v1")
class ApplicationDeclined(ApplicationEvent):
    """The assessor declined the application (reasons given)."""


class AccreditationState(Contract):
    """Public state of an accreditation."""

    id: str
    supplier_id: str
    application_id: str = Field(description="The application that granted or last renewed it")
    training_areas: list[TrainingArea]
    audiences: list[Audience]
    status: AccreditationStatus
    granted_on: date
    renewed_on: date | None = Field(default=None, description="When the current period started, once renewed")
    expires_on: date = Field(description="Three years after approval or the last renewal; from this day it is "
                                         "no longer in force")
    renewal_due_on: date = Field(description="Ninety days before expiry; from this day it is renewal_due")
    suspended_reason: AccreditationSuspensionCause | None = Field(
        default=None, description="While suspended: show cause (an assessor), or the supplier's own suspension")


class AccreditationEvent(Event):
    accreditation: AccreditationState


@event_type(ACCREDITATION_TOPIC, "nz.govt.marketplace.accreditation.granted.v1")
class AccreditationGranted(AccreditationEvent):
    """An approved application made the provider accredited for three years."""


@event_type(ACCREDITATION_TOPIC, "nz.govt.marketplace.accreditation.flagged.v1")
class AccreditationRenewalDue(AccreditationEvent):
    """Flagged for renewal: ninety days remain before expiry (status renewal_due)."""


@event_type(ACCREDITATION_TOPIC, "nz.govt.marketplace.accreditation.renewed.v1")
class AccreditationRenewed(AccreditationEvent):
    """The accreditation was renewed; a new three-year period starts."""


@event_type(ACCREDITATION_TOPIC, "nz.govt.marketplace.accreditation.suspended.v1")
class AccreditationSuspended(AccreditationEvent):
    """Suspended with a show-cause reason, or because the supplier was suspended or deregistered."""


@event_type(ACCREDITATION_TOPIC, "nz.govt.marketplace.accreditation.reinstated.v1")
class AccreditationReinstated(AccreditationEvent):
    """A suspended accreditation is in force again."""


@event_type(ACCREDITATION_TOPIC, "nz.govt.marketplace.accreditation.expired.v1")
class AccreditationExpired(AccreditationEvent):
    """The expiry date passed without renewal."""


@event_type(ACCREDITATION_TOPIC, "nz.govt.marketplace.accreditation.revoked.v1")
class AccreditationRevoked(AccreditationEvent):
    """An assessor revoked the accreditation (reason given)."""


@event_type(ACCREDITATION_TOPIC, "nz.govt.marketplace.accreditation.surrendered.v1")
class AccreditationSurrendered(AccreditationEvent):
    """The provider gave the accreditation up."""
