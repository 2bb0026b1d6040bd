"""What a partner system may receive: one explicit rule for every event type of the marketplace.

Partners see public facts only. A rule names the state object of the event, the fields of it a partner
receives (nothing else leaves: not the actor, not a free-text reason, not an internal link), the statuses
in which the fact is public, and whether the aggregate must have been public before (a withdrawal or a
retirement is news only about something partners could see). Every type in `events` must be here: a new
event type stays undeliverable until someone decides, in this table, what partners may see of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from events import EVENT_TYPES
from events.envelope import TYPE_PREFIX

# The event fields around the state object that every deliverable event keeps.
ENVELOPE_FIELDS = ("aggregate_id", "version", "occurred_at")


@dataclass(frozen=True)
class Private:
    """Never delivered to partners; `why` says what makes it private."""

    why: str

    deliverable = False


@dataclass(frozen=True)
class Public:
    """Delivered when the state's status is one of `statuses` (None: any), and, with `once_public`, only when
    an earlier event of the same aggregate was delivered; only `fields` of the state object leave, and `also`
    of the event's own fields."""

    state: str
    fields: tuple[str, ...]
    statuses: frozenset[str] | None = None
    once_public: bool = False
    also: tuple[str, ...] = ()

    deliverable = True

    def admits(self, data: dict[str, Any], *, was_public: bool) -> bool:
        state = data.get(self.state) or {}
        if self.statuses is not None and state.get("status") not in self.statuses:
            return False
        return was_public or not self.once_public

    def project(self, data: dict[str, Any]) -> dict[str, Any]:
        """The part of the event's data a partner receives."""
        state = data.get(self.state) or {}
        return {**{name: data[name] for name in (*ENVELOPE_FIELDS, *self.also) if name in data},
                self.state: {name: state[name] for name in self.fields if name in state}}


Rule = Public | Private

SUPPLIER = ("id", "legal_name", "trading_name", "nzbn", "country", "org_id", "size", "website", "maori_business",
            "pasifika_business", "status")
CATEGORY = ("code", "axis", "name", "description", "parent", "status")
OFFERING = ("id", "supplier_id", "name", "summary", "description", "categories", "engagement_type", "pricing",
            "deployment", "data_residency", "te_reo_maori_support", "model_provenance", "risk_tier",
            "human_oversight", "maori_data", "assurance_records", "status", "assessment_id", "impact_level",
            "commitments_addressed", "assurance_flag")
ACCREDITATION = ("id", "supplier_id", "training_areas", "audiences", "status", "granted_on", "renewed_on",
                 "expires_on", "renewal_due_on")
COURSE = ("id", "provider_id", "accreditation_id", "name", "description", "course_code", "training_area",
          "audiences", "level", "mode", "pacing", "workload_hours", "language", "price_nzd", "nzqa",
          "prerequisites", "sessions", "status")
ENTRY = ("id", "type", "source_type", "source_id", "source_version", "link", "name", "summary", "category",
         "categories", "supplier_id", "supplier_name", "agency", "risk_level", "phase", "status", "listed",
         "first_listed_at", "source_changed_at", "details")

LIVE_SUPPLIER = frozenset({"active"})
LIVE_OFFERING = frozenset({"published"})
LIVE_COURSE = frozenset({"published"})
T = TYPE_PREFIX

VISIBILITY: dict[str, Rule] = {
    # suppliers: a supplier is public once verified; a registration awaiting verification is not
    f"{T}supplier.registered.v1": Private("a registration awaiting verification"),
    f"{T}supplier.verified.v1": Public("supplier", SUPPLIER, LIVE_SUPPLIER),
    f"{T}supplier.updated.v1": Public("supplier", SUPPLIER, LIVE_SUPPLIER),
    f"{T}supplier.suspended.v1": Public("supplier", SUPPLIER, once_public=True),
    f"{T}supplier.reinstated.v1": Public("supplier", SUPPLIER, LIVE_SUPPLIER),
    f"{T}supplier.deregistered.v1": Public("supplier", SUPPLIER, once_public=True),
    # agreements: commercial terms between a supplier and the operator (the registry shows partnerships)
    **{f"{T}agreement.{verb}.v1": Private("commercial terms between a supplier and the operator")
       for verb in ("offered", "signed", "activated", "varied", "suspended", "reinstated", "expired", "terminated")},
    # catalogue: the taxonomy is public; an offering only from its publication on
    f"{T}category.created.v1": Public("category", CATEGORY),
    f"{T}category.updated.v1": Public("category", CATEGORY),
    f"{T}category.retired.v1": Public("category", CATEGORY),
    f"{T}offering.created.v1": Private("a draft offering"),
    f"{T}offering.updated.v1": Private("a change to a draft or rejected offering"),
    f"{T}offering.submitted.v1": Private("an offering under assessment"),
    f"{T}offering.rejected.v1": Private("an assessor's rejection"),
    f"{T}offering.redrafted.v1": Private("a rejected offering back in draft"),
    f"{T}offering.published.v1": Public("offering", OFFERING, LIVE_OFFERING),
    f"{T}offering.withdrawn.v1": Public("offering", OFFERING, once_public=True),
    f"{T}offering.suspended.v1": Public("offering", OFFERING, once_public=True),
    f"{T}offering.reinstated.v1": Public("offering", OFFERING, LIVE_OFFERING),
    f"{T}offering.retired.v1": Public("offering", OFFERING, once_public=True),
    f"{T}offering.assessed.v1": Public("offering", OFFERING, LIVE_OFFERING),
    # an assessor's finding on a record (its note stays in the history) and a record's coming expiry
    f"{T}offering.evidenced.v1": Public("offering", OFFERING, LIVE_OFFERING),
    f"{T}offering.reviewed.v1": Public("offering", OFFERING, LIVE_OFFERING,
                                                     also=("record_id", "verification")),
    f"{T}offering.forewarned.v1": Public("offering", OFFERING, LIVE_OFFERING,
                                                     also=("record_id", "expires_on")),
    # accreditation: applications are between the applicant and the assessors; the register is public
    **{f"{T}application.{verb}.v1": Private("an accreditation application")
       for verb in ("created", "updated", "submitted", "opened", "queried", "answered", "approved", "declined")},
    **{f"{T}accreditation.{verb}.v1": Public("accreditation", ACCREDITATION)
       for verb in ("granted", "flagged", "renewed", "suspended", "reinstated", "expired", "revoked", "surrendered")},
    # training: a course from its publication on (registrations of interest never travel on a topic)
    f"{T}course.created.v1": Private("a draft course"),
    f"{T}course.updated.v1": Public("course", COURSE, LIVE_COURSE),
    f"{T}course.published.v1": Public("course", COURSE, LIVE_COURSE),
    f"{T}course.suspended.v1": Public("course", COURSE, once_public=True),
    f"{T}course.reinstated.v1": Public("course", COURSE, LIVE_COURSE),
    f"{T}course.withdrawn.v1": Public("course", COURSE, once_public=True),
    # hub: the public registry itself
    f"{T}registry.added.v1": Public("entry", ENTRY),
    f"{T}registry.changed.v1": Public("entry", ENTRY),
    f"{T}registry.removed.v1": Public("entry", ENTRY),
    # assurance: an assessment is between its owner and the assessors; what it gives a published offering
    # (risk tier, impact level, commitments, flag) reaches partners on the offering's own events
    **{f"{T}assessment.{verb}.v1": Private("an assurance assessment")
       for verb in ("created", "updated", "submitted", "returned", "accepted", "flagged", "lapsed", "superseded")},
    # partners: a partner's own subscription is its own business (a test delivery goes to that sink only)
    **{f"{T}subscription.{verb}.v1": Private("a partner's own subscription")
       for verb in ("created", "updated", "enabled", "disabled", "rotated", "tested", "deleted")},
}


def rule_for(event_type: str) -> Rule:
    """The rule of a type; a type nobody decided on is private."""
    return VISIBILITY.get(event_type, Private("no visibility rule decided yet"))


def deliverable_types() -> list[str]:
    """Every type a partner may subscribe to."""
    return sorted(t for t, rule in VISIBILITY.items() if rule.deliverable and t in EVENT_TYPES)


def public_topics() -> list[str]:
    """The topics carrying at least one deliverable type: what the service consumes."""
    return sorted({EVENT_TYPES[t].TOPIC for t in deliverable_types()})
