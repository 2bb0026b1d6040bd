"""Contracts of the suppliers service: suppliers and their agreements with the marketplace."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from events.base import Contract, Event
from events.topics import event_type, topic

SUPPLIER_TOPIC = topic(
    "suppliers.supplier.v1",
    producer="suppliers",
    description="Life of every supplier: registration, verification, changes, suspension, deregistration.",
    consumers=["catalogue", "accreditation", "training", "hub", "partners", "assistant"],
)
AGREEMENT_TOPIC = topic(
    "suppliers.agreement.v1",
    producer="suppliers",
    description="Life of every agreement between a supplier and the marketplace.",
    consumers=["catalogue", "hub"],
)

SupplierStatus = Literal["pending_verification", "active", "suspended", "deregistered"]
SupplierSize = Literal["micro", "small", "medium", "large"]
AgreementStatus = Literal["draft", "offered", "signed", "active", "suspended", "expired", "terminated"]
AgreementType = Literal["marketplace", "strategic_partnership"]


class SupplierState(Contract):
    """Public state of a supplier (contacts stay in the suppliers service)."""

    id: str
    legal_name: str
    trading_name: str | None = None
    nzbn: str | None = Field(default=None, description="New Zealand Business Number, 13 digits")
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 country of an overseas supplier")
    registration_id: str | None = Field(default=None, description="Overseas registration id")
    org_id: str = Field(description="Organisation identifier in org-id form, e.g. NZ-NZBN-9429039501974")
    size: SupplierSize
    website: str | None = None
    maori_business: bool = False
    pasifika_business: bool = False
    status: SupplierStatus


class SupplierEvent(Event):
    supplier: SupplierState


@event_type(SUPPLIER_TOPIC, "nz.govt.marketplace.supplier.registered.v1")
class SupplierRegistered(SupplierEvent):
    """A supplier registered itself and awaits verification."""


@event_type(SUPPLIER_TOPIC, "nz.govt.marketplace.supplier.verified.v1")
class SupplierVerified(SupplierEvent):
    """An admin verified the supplier; it is now active."""


@event_type(SUPPLIER_TOPIC, "nz.govt.marketplace.supplier.updated.v1")
class SupplierUpdated(SupplierEvent):
    """Details of the supplier changed; its status did not."""


@event_type(SUPPLIER_TOPIC, "nz.govt.marketplace.supplier.suspended.v1")
class SupplierSuspended(SupplierEvent):
    """An admin suspended the supplier (reason given)."""


@event_type(SUPPLIER_TOPIC, "nz.govt.marketplace.supplier.reinstated.v1")
class SupplierReinstated(SupplierEvent):
    """A suspended supplier is active again."""


@event_type(SUPPLIER_TOPIC, "nz.govt.marketplace.supplier.deregistered.v1")
class SupplierDeregistered(SupplierEvent):
    """The supplier left the marketplace for good."""


class Commitments(Contract):
    """What a strategic partner commits to."""

    discount_percent: float | None = Field(default=None, ge=0, le=100)
    co_development: str | None = None
    training_places: int | None = Field(default=None, ge=0)
    other: str | None = None


class AgreementState(Contract):
    """Public state of an agreement."""

    id: str
    supplier_id: str
    type: AgreementType
    terms_version: str
    scope: list[str] = Field(description="Category codes the supplier may sell in")
    start_date: date
    end_date: date
    commitments: Commitments | None = None
    status: AgreementStatus
    supplier_signed_at: datetime | None = None
    countersigned_at: datetime | None = None
    variation_count: int = 0


class AgreementEvent(Event):
    agreement: AgreementState


@event_type(AGREEMENT_TOPIC, "nz.govt.marketplace.agreement.offered.v1")
class AgreementOffered(AgreementEvent):
    """The operator offered an agreement to a supplier."""


@event_type(AGREEMENT_TOPIC, "nz.govt.marketplace.agreement.signed.v1")
class AgreementSigned(AgreementEvent):
    """The supplier signed the agreement."""


@event_type(AGREEMENT_TOPIC, "nz.govt.marketplace.agreement.activated.v1")
class AgreementActivated(AgreementEvent):
    """The operator countersigned; the agreement is in force."""


@event_type(AGREEMENT_TOPIC, "nz.govt.marketplace.agreement.varied.v1")
class AgreementVaried(AgreementEvent):
    """A numbered variation changed scope, end date or commitments."""


@event_type(AGREEMENT_TOPIC, "nz.govt.marketplace.agreement.suspended.v1")
class AgreementSuspended(AgreementEvent):
    """The agreement is suspended (reason given)."""


@event_type(AGREEMENT_TOPIC, "nz.govt.marketplace.agreement.reinstated.v1")
class AgreementReinstated(AgreementEvent):
    """A suspended agreement is in force again."""


@event_type(AGREEMENT_TOPIC, "nz.govt.marketplace.agreement.expired.v1")
class AgreementExpired(AgreementEvent):
    """The agreement passed its end date."""


@event_type(AGREEMENT_TOPIC, "nz.govt.marketplace.agreement.terminated.v1")
class AgreementTerminated(AgreementEvent):
    """The agreement was ended early (reason given)."""
