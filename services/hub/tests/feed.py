"""Source events for tests: builders for every kind the registry follows, random life histories, and
putting events on the real broker wrapped exactly as the outbox relay wraps them."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta, timezone

from events import Event
from events import accreditation as acc
from events import catalogue as cat
from events import suppliers as sup
from events import training as trn
from testsupport.kafka_tools import produce, produce_events, wrapped  # noqa: F401  (the feed's way onto the wire)

START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


def supplier(supplier_id: str, version: int, *, name: str = "Kauri AI", status: str = "active",
             at: datetime = START, cls=sup.SupplierUpdated) -> Event:
    return cls(aggregate_id=supplier_id, version=version, occurred_at=at, actor="admin", supplier=sup.SupplierState(
        id=supplier_id, legal_name=f"{name} Limited", trading_name=name, org_id="NZ-NZBN-9429039501974",
        size="small", status=status))


def offering(offering_id: str, supplier_id: str, version: int, *, status: str = "published",
             name: str = "Kōrero Translate", categories: tuple[str, ...] = ("ai.translation",),
             risk: str = "limited", at: datetime = START, cls=cat.OfferingPublished) -> Event:
    return cls(aggregate_id=offering_id, version=version, occurred_at=at, actor="assessor", offering=cat.OfferingState(
        id=offering_id, supplier_id=supplier_id, name=name, summary=f"{name}: AI for agencies.",
        description="A test offering.", categories=list(categories), engagement_type="engagement.licensing-saas",
        pricing=cat.Pricing(model="per_user_per_month", min_nzd=10, max_nzd=20), deployment="saas",
        data_residency=cat.DataResidency(region="new_zealand"), te_reo_maori_support=True,
        model_provenance=cat.ModelProvenance(kind="proprietary", models=["m"]), risk_tier=risk,
        human_oversight="Reviewed.", maori_data=cat.MaoriData(involves="no"), status=status))


def accreditation(accreditation_id: str, supplier_id: str, version: int, *, status: str = "active",
                  at: datetime = START, cls=acc.AccreditationGranted) -> Event:
    return cls(aggregate_id=accreditation_id, version=version, occurred_at=at, actor="assessor",
               accreditation=acc.AccreditationState(
                   id=accreditation_id, supplier_id=supplier_id, application_id=str(uuid.uuid4()),
                   training_areas=["practitioner_ai_skills", "responsible_ai_assurance"],
                   audiences=["practitioner"], status=status, granted_on=date(2026, 1, 5),
                   expires_on=date(2029, 1, 5), renewal_due_on=date(2028, 10, 7)))


def course(course_id: str, provider_id: str, version: int, *, status: str = "published",
           name: str = "Responsible AI for practitioners", at: datetime = START, cls=trn.CoursePublished) -> Event:
    return cls(aggregate_id=course_id, version=version, occurred_at=at, actor="supplier", course=trn.CourseState(
        id=course_id, provider_id=provider_id, name=name, description="Two days on using AI safely.",
        course_code="RAI-101", training_area="responsible_ai_assurance", audiences=["practitioner"],
        level="introductory", mode="online", pacing="self_paced", workload_hours=12, language="en",
        price_nzd=0, status=status))


def agreement(agreement_id: str, supplier_id: str, version: int, *, status: str = "active",
              type_: str = "strategic_partnership", at: datetime = START, cls=sup.AgreementActivated) -> Event:
    return cls(aggregate_id=agreement_id, version=version, occurred_at=at, actor="admin", agreement=sup.AgreementState(
        id=agreement_id, supplier_id=supplier_id, type=type_, terms_version="2026.1",
        scope=["ai.generative-assistants"], start_date=date(2026, 1, 1), end_date=date(2028, 12, 31),
        commitments=sup.Commitments(discount_percent=15, training_places=100), status=status))


STATUSES = {
    "offering": (offering, ["draft", "submitted", "published", "suspended", "published", "withdrawn", "retired"]),
    "accreditation": (accreditation, ["active", "renewal_due", "active", "suspended", "active", "expired"]),
    "course": (course, ["draft", "published", "suspended", "published", "withdrawn"]),
    "agreement": (agreement, ["offered", "signed", "active", "suspended", "active", "expired"]),
}


def history(rng: random.Random, *, suppliers: int = 2, sources: int = 6) -> list[Event]:
    """Random life histories, in order: each source walks part of its life; suppliers are renamed."""
    supplier_ids = [str(uuid.uuid4()) for _ in range(suppliers)]
    clock = iter(START + timedelta(days=7 * i) for i in range(10_000))
    events: list[Event] = []
    for supplier_id in supplier_ids:
        for version in range(1, rng.randint(1, 3) + 1):
            events.append(supplier(supplier_id, version, name=f"Supplier {rng.randint(1, 99)}", at=next(clock)))
    for _ in range(sources):
        kind = rng.choice(sorted(STATUSES))
        build, walk = STATUSES[kind]
        source_id, owner = str(uuid.uuid4()), rng.choice(supplier_ids)
        for version, status in enumerate(walk[: rng.randint(1, len(walk))], start=1):
            events.append(build(source_id, owner, version, status=status, at=next(clock)))
    events.sort(key=lambda e: e.occurred_at)
    return events
