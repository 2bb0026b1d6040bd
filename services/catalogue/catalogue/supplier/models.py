"""The catalogue's own copy of what it needs to know about suppliers, kept from their events."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel
from sqlmodel import Field
from sqlalchemy import JSON, Column

from servicekit.projection import ProjectionColumns, SupplierColumns


class SupplierProjection(SupplierColumns, table=True):
    """A supplier as last announced on `suppliers.supplier.v1`, with what eligibility and search need."""

    __tablename__ = "catalogue_suppliers"

    org_id: str = Field(max_length=80)
    size: str = Field(max_length=10)
    maori_business: bool = False
    pasifika_business: bool = False


class AgreementProjection(ProjectionColumns, table=True):
    """An agreement as last announced on `suppliers.agreement.v1`."""

    __tablename__ = "catalogue_agreements"

    supplier_id: str = Field(max_length=36, index=True)
    type: str = Field(max_length=30)
    scope: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    start_date: date
    end_date: date
    status: str = Field(max_length=20)


class SupplierEligibility(BaseModel):
    """What the catalogue knows of a supplier."""

    id: str
    legal_name: str
    trading_name: str | None
    org_id: str
    size: str
    maori_business: bool
    pasifika_business: bool
    status: str
    version: int
    changed_at: datetime
    applied_at: datetime


class AgreementEligibility(BaseModel):
    """An agreement as the catalogue knows it; `in_force` is whether it counts today."""

    id: str
    type: str
    scope: list[str]
    start_date: date
    end_date: date
    status: str
    version: int
    changed_at: datetime
    in_force: bool


class SupplierEligibilityDetail(SupplierEligibility):
    """A supplier with its agreements and the categories it may sell in today."""

    agreements: list[AgreementEligibility]
    categories: list[str]
