"""Offerings: what a supplier sends (one field list for creating and changing), the table, and what callers
see. The table and the public model stay apart from the request on purpose (stored JSON, derived search
columns; the event's snapshot types); tests/test_offering_fields.py fails when the lists drift."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import JSON, Column, Text
from sqlmodel import Field as ColumnField
from sqlmodel import SQLModel

from catalogue.category.models import CategoryCode
from events.assurance import Commitment, ImpactLevel
from events.catalogue import (AssuranceFlag, AssuranceStandard, AssuranceStatus, Deployment, EvidenceType, MaoriDataInvolvement,
                              OfferingState, OfferingStatus, PricingModel, ProvenanceKind, ResidencyRegion, RiskTier,
                              SuspensionCause)
from events.catalogue import AssuranceRecord as AssuranceRecordState
from events.catalogue import DataResidency as DataResidencyState
from events.catalogue import MaoriData as MaoriDataState
from events.catalogue import ModelProvenance as ModelProvenanceState
from events.catalogue import Pricing as PricingState
from servicekit.models import StrictModel, optional
from servicekit.tables import utc_column

Name = Annotated[str, Field(min_length=1, max_length=200)]
Summary = Annotated[str, Field(min_length=1, max_length=280)]
LongText = Annotated[str, Field(min_length=1, max_length=10000)]
Statement = Annotated[str, Field(min_length=1, max_length=4000)]
Short = Annotated[str, Field(min_length=1, max_length=200)]
Amount = Annotated[float, Field(ge=0, le=1_000_000_000, allow_inf_nan=False)]


class PricingIn(StrictModel):
    """Price range in NZD excluding GST; the minimum may not exceed the maximum."""

    model: PricingModel
    min_nzd: Amount
    max_nzd: Amount

    @model_validator(mode="after")
    def _ordered(self) -> PricingIn:
        if self.min_nzd > self.max_nzd:
            raise ValueError("min_nzd must not exceed max_nzd")
        return self


class DataResidencyIn(StrictModel):
    """Where data is kept; the country (ISO 3166-1 alpha-2) is given when, and only when, the region is other."""

    # `_country_with_other`, stated in the schema.
    model_config = ConfigDict(json_schema_extra={
        "if": {"required": ["region"], "properties": {"region": {"const": "other"}}},
        "then": {"required": ["country"], "properties": {"country": {"type": "string"}}},
        "else": {"properties": {"country": {"type": "null"}}}})

    region: ResidencyRegion
    country: Annotated[str | None, Field(pattern=r"^[A-Z]{2}$")] = None

    @model_validator(mode="after")
    def _country_with_other(self) -> DataResidencyIn:
        if self.region == "other" and not self.country:
            raise ValueError("country is required when the region is other")
        if self.region != "other" and self.country:
            raise ValueError("country is only given when the region is other")
        return self


class ModelProvenanceIn(StrictModel):
    kind: ProvenanceKind
    models: Annotated[list[Short], Field(min_length=1, max_length=20)]


class MaoriDataIn(StrictModel):
    """Whether Māori data is involved; how it is governed is required unless it is not."""

    # `_governance_stated`, stated in the schema.
    model_config = ConfigDict(json_schema_extra={
        "if": {"required": ["involves"], "properties": {"involves": {"not": {"const": "no"}}}},
        "then": {"required": ["governance"], "properties": {"governance": {"type": "string"}}}})

    involves: MaoriDataInvolvement
    governance: Annotated[str | None, Field(min_length=1, max_length=4000)] = None

    @model_validator(mode="after")
    def _governance_stated(self) -> MaoriDataIn:
        if self.involves != "no" and not self.governance:
            raise ValueError(f"governance is required when involves is {self.involves}")
        return self


class AssuranceRecordIn(StrictModel):
    """A certificate or assessment as its supplier states it; an assessor verifies it (catalogue.certification)
    before it counts in search. A third-party certificate names the body that accredited its issuer."""

    # `_consistent`'s accrediting body rule, stated in the schema (the dates' order cannot be).
    model_config = ConfigDict(json_schema_extra={
        "if": {"required": ["evidence_type"], "properties": {"evidence_type": {"const": "third_party_certificate"}}},
        "then": {"required": ["accrediting_body"], "properties": {"accrediting_body": {"type": "string"}}}})

    standard: AssuranceStandard
    evidence_type: EvidenceType
    issuer: Short
    accrediting_body: Short | None = None
    certificate_number: Annotated[str | None, Field(min_length=1, max_length=100)] = None
    scope: Annotated[str | None, Field(min_length=1, max_length=2000)] = None
    issued_on: date
    expires_on: date
    status: AssuranceStatus = "active"

    @model_validator(mode="after")
    def _consistent(self) -> AssuranceRecordIn:
        if self.issued_on >= self.expires_on:
            raise ValueError("issued_on must be before expires_on")
        if self.evidence_type == "third_party_certificate" and not self.accrediting_body:
            raise ValueError("accrediting_body is required for a third_party_certificate")
        return self


Categories = Annotated[list[CategoryCode], Field(min_length=1, max_length=3, json_schema_extra={"uniqueItems": True},
                                                 description="1-3 active solution category codes")]
AssuranceRecords = Annotated[list[AssuranceRecordIn], Field(max_length=30)]


class OfferingBase(StrictModel):
    """What a supplier says of its offering: the fields it starts a draft with and may change later."""

    name: Name
    summary: Summary
    description: LongText
    categories: Categories
    engagement_type: CategoryCode
    pricing: PricingIn
    deployment: Deployment
    data_residency: DataResidencyIn
    te_reo_maori_support: bool
    model_provenance: ModelProvenanceIn
    human_oversight: Statement
    maori_data: MaoriDataIn
    assurance_records: AssuranceRecords = []

    @model_validator(mode="after")
    def _distinct_categories(self):
        if self.categories and len(set(self.categories)) != len(self.categories):
            raise ValueError("categories must not repeat a code")
        return self


class OfferingCreate(OfferingBase):
    """A draft offering, as its supplier starts it."""


class OfferingUpdate(optional(OfferingBase)):
    """What a supplier changes of a draft or rejected offering; nested objects are replaced whole."""


class Offering(SQLModel, table=True):
    """An offering as the catalogue keeps it; nested parts are JSON."""

    __tablename__ = "catalogue_offerings"

    id: str = ColumnField(default_factory=lambda: str(uuid.uuid4()), primary_key=True, max_length=36)
    supplier_id: str = ColumnField(max_length=36, index=True)
    name: str = ColumnField(max_length=200)
    summary: str = ColumnField(max_length=280)
    description: str = ColumnField(sa_column=Column(Text, nullable=False))
    categories: list = ColumnField(default_factory=list, sa_column=Column(JSON, nullable=False))
    engagement_type: str = ColumnField(max_length=80)
    pricing: dict = ColumnField(sa_column=Column(JSON, nullable=False))
    deployment: str = ColumnField(max_length=20)
    data_residency: dict = ColumnField(sa_column=Column(JSON, nullable=False))
    te_reo_maori_support: bool = False
    model_provenance: dict = ColumnField(sa_column=Column(JSON, nullable=False))
    # Kept from the offering's accepted assessment (catalogue.assurance), never sent by the supplier.
    risk_tier: str = ColumnField(default="unassessed", max_length=20)
    human_oversight: str = ColumnField(sa_column=Column(Text, nullable=False))
    maori_data: dict = ColumnField(sa_column=Column(JSON, nullable=False))
    assurance_records: list = ColumnField(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = ColumnField(max_length=20, index=True)
    # Kept from data_residency, pricing and categories for search (catalogue.offering.search_rows).
    residency_region: str | None = ColumnField(default=None, max_length=20)
    price_min_nzd: float | None = None
    price_max_nzd: float | None = None
    category_1: str | None = ColumnField(default=None, max_length=80)
    category_2: str | None = ColumnField(default=None, max_length=80)
    category_3: str | None = ColumnField(default=None, max_length=80)
    suspended_reason: str | None = ColumnField(default=None, max_length=20)
    status_reason: str | None = ColumnField(default=None, sa_column=Column(Text))
    assessment_id: str | None = ColumnField(default=None, max_length=36)
    impact_level: str | None = ColumnField(default=None, max_length=3)
    commitments_addressed: list = ColumnField(default_factory=list, sa_column=Column(JSON, nullable=False))
    assurance_flag: str | None = ColumnField(default=None, max_length=20)
    version: int = 1
    created_at: datetime = ColumnField(sa_column=utc_column())
    updated_at: datetime = ColumnField(sa_column=utc_column())


class OfferingPublic(BaseModel):
    """An offering as callers see it; `status_reason` says why it was rejected or suspended. The risk tier,
    impact level and commitments come from its accepted assurance assessment; `assurance_flag` says when that
    assessment is due for renewal or has lapsed."""

    id: str
    supplier_id: str
    name: str
    summary: str
    description: str
    categories: list[str]
    engagement_type: str
    pricing: PricingState
    deployment: Deployment
    data_residency: DataResidencyState
    te_reo_maori_support: bool
    model_provenance: ModelProvenanceState
    risk_tier: RiskTier
    human_oversight: str
    maori_data: MaoriDataState
    assurance_records: list[AssuranceRecordState]
    status: OfferingStatus
    suspended_reason: SuspensionCause | None
    status_reason: str | None
    assessment_id: str | None
    impact_level: ImpactLevel | None
    commitments_addressed: list[Commitment]
    assurance_flag: AssuranceFlag | None
    version: int
    created_at: datetime
    updated_at: datetime


def offering_state(offering: Offering) -> OfferingState:
    """The public snapshot carried by every offering event."""
    return OfferingState.model_validate(offering, from_attributes=True)
