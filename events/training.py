"""Contracts of the training service: courses of accredited providers and their sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from events.accreditation import Audience, TrainingArea
from events.base import Contract, Event
from events.topics import event_type, topic

COURSE_TOPIC = topic(
    "training.course.v1",
    producer="training",
    description="Life of every course: drafts and changes, sessions scheduled, publication, suspension and "
                "return as its accreditation is suspended and reinstated, withdrawal (by the provider, or when "
                "the accreditation ends).",
    consumers=["hub", "partners", "assistant"],
)

CourseStatus = Literal["draft", "published", "suspended", "withdrawn"]
CourseLevel = Literal["introductory", "intermediate", "advanced"]
DeliveryMode = Literal["online", "in_person", "blended"]
Pacing = Literal["self_paced", "scheduled"]
Language = Literal["en", "mi"]
CourseChangeCause = Literal["provider", "accreditation"]


class Nzqa(Contract):
    """NZQA credits and level, when the course carries them."""

    credits: int = Field(ge=1)
    level: int = Field(ge=1, le=10)


class SessionState(Contract):
    """A scheduled run of a course (schema.org CourseInstance)."""

    id: str
    starts_at: datetime
    ends_at: datetime
    online: bool
    location: str | None = None
    capacity: int = Field(ge=1)


class CourseState(Contract):
    """Public state of a course (schema.org Course, plus local fields)."""

    id: str
    provider_id: str = Field(description="The supplier id of the accredited provider")
    accreditation_id: str | None = Field(default=None, description="The accreditation that covers it, once published")
    name: str
    description: str
    course_code: str
    training_area: TrainingArea
    audiences: list[Audience]
    level: CourseLevel
    mode: DeliveryMode
    pacing: Pacing
    workload_hours: float = Field(gt=0)
    language: Language
    price_nzd: float = Field(ge=0, description="0 means free")
    nzqa: Nzqa | None = None
    prerequisites: list[str] = []
    sessions: list[SessionState] = []
    status: CourseStatus
    status_cause: CourseChangeCause | None = Field(
        default=None, description="While suspended or withdrawn: the provider's own act, or its accreditation")


class CourseEvent(Event):
    course: CourseState


@event_type(COURSE_TOPIC, "nz.govt.marketplace.course.created.v1")
class CourseCreated(CourseEvent):
    """A provider started a draft course."""


@event_type(COURSE_TOPIC, "nz.govt.marketplace.course.updated.v1")
class CourseUpdated(CourseEvent):
    """Fields of the course changed, or a session was scheduled; its status did not change."""


@event_type(COURSE_TOPIC, "nz.govt.marketplace.course.published.v1")
class CoursePublished(CourseEvent):
    """The provider published the course under an accreditation covering its training area."""


@event_type(COURSE_TOPIC, "nz.govt.marketplace.course.suspended.v1")
class CourseSuspended(CourseEvent):
    """The course's accreditation was suspended; the course is hidden until it returns."""


@event_type(COURSE_TOPIC, "nz.govt.marketplace.course.reinstated.v1")
class CourseReinstated(CourseEvent):
    """The accreditation is in force again; the suspended course is published again."""


@event_type(COURSE_TOPIC, "nz.govt.marketplace.course.withdrawn.v1")
class CourseWithdrawn(CourseEvent):
    """The provider withdrew the course, or its accreditation was revoked, expired or surrendered."""
