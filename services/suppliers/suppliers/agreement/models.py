"""Agreements between a supplier and the marketplace: the table, the requests and the answers."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import JSON, Column
from sqlmodel import Field as ColumnField
from sqlmodel import SQLModel

from events.suppliers import AgreementState, AgreementStatus, AgreementType, Commitments
from servicekit.models import StrictModel
from servicekit.tables import utc_column

CategoryCode = Annotated[str, Field(min_length=3, max_length=80, pattern=r"^[a-z0-9]+(\.[a-z0-9-]+)+$")]
Scope = Annotated[list[CategoryCode], Field(min_length=1, max_length=30)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]


class CommitmentsIn(StrictModel, Commitments):
    """Commitments of a strategic partner (unknown fields refused)."""

    co_development: Annotated[str | None, Field(max_length=2000)] = None
    other: Annotated[str | None, Field(max_length=2000)] = None


class AgreementCreate(StrictModel):
    """An agreement the operator offers to a supplier."""

    # What `_consistent` enforces that a schema can state: a strategic partnership comes with commitments.
    model_config = ConfigDict(json_schema_extra={
        "if": {"required": ["type"], "properties": {"type": {"const": "strategic_partnership"}}},
        "then": {"required": ["commitments"], "properties": {"commitments": {"type": "object"}}}})

    supplier_id: Annotated[str, Field(min_length=1, max_length=36)]
    type: AgreementType
    terms_version: Annotated[str, Field(min_length=1, max_length=40, description="Version of the standard terms")]
    scope: Annotated[Scope, Field(json_schema_extra={"uniqueItems": True})]
    start_date: date
    end_date: date
    commitments: CommitmentsIn | None = None

    @model_validator(mode="after")
    def _consistent(self) -> AgreementCreate:
        if self.start_date >= self.end_date:
            raise ValueError("start_date must be before end_date")
        if self.type == "strategic_partnership" and self.commitments is None:
            raise ValueError("a strategic partnership needs commitments")
        if len(set(self.scope)) != len(self.scope):
            raise ValueError("scope lists a category twice")
        return self


class Signature(StrictModel):
    """Who signs for the supplier."""

    signatory_name: Annotated[str, Field(min_length=1, max_length=200)]
    signatory_role: Annotated[str, Field(min_length=1, max_length=200)]


class Variation(StrictModel):
    """A numbered amendment: new scope, end date or commitments, with its reason and effective date."""

    # `_changes_something`, stated in the schema: at least one of the three, and not null.
    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"required": ["scope"], "properties": {"scope": {"type": "array"}}},
        {"required": ["end_date"], "properties": {"end_date": {"type": "string"}}},
        {"required": ["commitments"], "properties": {"commitments": {"type": "object"}}}]})

    scope: Scope | None = None
    end_date: date | None = None
    commitments: CommitmentsIn | None = None
    effective_date: date
    reason: Text

    @model_validator(mode="after")
    def _changes_something(self) -> Variation:
        if self.scope is None and self.end_date is None and self.commitments is None:
            raise ValueError("a variation changes scope, end_date or commitments")
        return self


class Agreement(SQLModel, table=True):
    """An agreement as the suppliers service keeps it."""

    __tablename__ = "agreements"

    id: str = ColumnField(default_factory=lambda: str(uuid.uuid4()), primary_key=True, max_length=36)
    supplier_id: str = ColumnField(max_length=36, index=True, foreign_key="suppliers.id")
    type: str = ColumnField(max_length=30)
    terms_version: str = ColumnField(max_length=40)
    scope: list = ColumnField(default_factory=list, sa_column=Column(JSON, nullable=False))
    start_date: date
    end_date: date = ColumnField(index=True)
    commitments: dict | None = ColumnField(default=None, sa_column=Column(JSON))
    status: str = ColumnField(max_length=20, index=True)
    offered_by: str = ColumnField(max_length=200)
    supplier_signatory: dict | None = ColumnField(default=None, sa_column=Column(JSON))
    supplier_signed_at: datetime | None = ColumnField(default=None, sa_column=utc_column(nullable=True))
    countersigned_by: str | None = ColumnField(default=None, max_length=200)
    countersigned_at: datetime | None = ColumnField(default=None, sa_column=utc_column(nullable=True))
    variations: list = ColumnField(default_factory=list, sa_column=Column(JSON, nullable=False))
    version: int = 1
    created_at: datetime = ColumnField(sa_column=utc_column())
    updated_at: datetime = ColumnField(sa_column=utc_column())


class VariationRecord(BaseModel):
    number: int
    effective_date: date
    reason: str
    changes: dict
    made_by: str
    made_at: datetime


class AgreementPublic(BaseModel):
    """An agreement as callers see it."""

    id: str
    supplier_id: str
    type: AgreementType
    terms_version: str
    scope: list[str]
    start_date: date
    end_date: date
    commitments: Commitments | None
    status: AgreementStatus
    offered_by: str
    supplier_signatory: Signature | None
    supplier_signed_at: datetime | None
    countersigned_by: str | None
    countersigned_at: datetime | None
    variations: list[VariationRecord]
    version: int
    created_at: datetime
    updated_at: datetime


def agreement_state(agreement: Agreement) -> AgreementState:
    """The public snapshot carried by every agreement event."""
    return AgreementState.model_validate(
        {**AgreementPublic.model_validate(agreement, from_attributes=True).model_dump(),
         "variation_count": len(agreement.variations)})
