"""Contracts of the assurance service: scored assurance assessments of offerings and agencies' use cases."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from events.base import Contract, Event
from events.topics import event_type, topic

ASSESSMENT_TOPIC = topic(
    "assurance.assessment.v1",
    producer="assurance",
    description="Life of every assurance assessment of an offering or a use case: drafts and their answers, "
                "submission, the assessor's review (returned with comments, or accepted with its impact level), "
                "renewal due when a new questionnaire version is published, lapse twelve months after "
                "acceptance, and supersession by a later accepted assessment of the same subject.",
    consumers=["catalogue"],
)

SubjectType = Literal["offering", "use_case"]
AssessmentStatus = Literal["draft", "submitted", "returned", "accepted", "renewal_due", "lapsed", "superseded"]
ImpactLevel = Literal["I", "II", "III", "IV"]
# The NZ Algorithm Charter commitments a question serves.
Commitment = Literal["transparency", "partnership", "people", "data", "privacy_ethics_human_rights",
                     "human_oversight"]

# Statuses in which an accepted assessment still stands behind its subject.
IN_FORCE: frozenset[str] = frozenset({"accepted", "renewal_due"})


class AssessmentState(Contract):
    """Public state of an assessment: its subject, its standing and, once scored, the result."""

    id: str
    subject_type: SubjectType
    subject_id: str = Field(description="Id of the offering or use case assessed")
    supplier_id: str | None = Field(default=None, description="For an offering, the supplier it belongs to")
    questionnaire_version: int
    status: AssessmentStatus
    raw_impact_score: int = Field(description="Sum of the impact weights of the chosen answers")
    mitigation_score: int = Field(description="Sum of the mitigation weights of the chosen answers")
    current_score: float = Field(description="The raw impact score less the mitigation deduction, if earned")
    impact_level: ImpactLevel
    commitments_addressed: list[Commitment] = []
    commitments_not_addressed: list[Commitment] = []
    accepted_on: date | None = None
    current_until: date | None = Field(default=None, description="Accepted: the last day it is current")


class AssessmentEvent(Event):
    assessment: AssessmentState


@event_type(ASSESSMENT_TOPIC, "nz.govt.marketplace.assessment.created.v1")
class AssessmentCreated(AssessmentEvent):
    """A supplier (for its offering) or a buyer (for a use case) started a draft assessment."""


@event_type(ASSESSMENT_TOPIC, "nz.govt.marketplace.assessment.updated.v1")
class AssessmentUpdated(AssessmentEvent):
    """The answers of a draft or returned assessment changed; its status did not."""


@event_type(ASSESSMENT_TOPIC, "nz.govt.marketplace.assessment.submitted.v1")
class AssessmentSubmitted(AssessmentEvent):
    """The assessment was submitted for review with every question answered."""


@event_type(ASSESSMENT_TOPIC, "nz.govt.marketplace.assessment.returned.v1")
class AssessmentReturned(AssessmentEvent):
    """An assessor returned the assessment with comments on its answers."""


@event_type(ASSESSMENT_TOPIC, "nz.govt.marketplace.assessment.accepted.v1")
class AssessmentAccepted(AssessmentEvent):
    """An assessor accepted the assessment; it is current until `current_until`."""


@event_type(ASSESSMENT_TOPIC, "nz.govt.marketplace.assessment.flagged.v1")
class AssessmentRenewalFlagged(AssessmentEvent):
    """A new questionnaire version was published: the accepted assessment is due for renewal."""


@event_type(ASSESSMENT_TOPIC, "nz.govt.marketplace.assessment.lapsed.v1")
class AssessmentLapsed(AssessmentEvent):
    """The accepted assessment passed its `current_until` date without a newer one."""


@event_type(ASSESSMENT_TOPIC, "nz.govt.marketplace.assessment.superseded.v1")
class AssessmentSuperseded(AssessmentEvent):
    """A later assessment of the same subject was accepted and stands in its place."""
