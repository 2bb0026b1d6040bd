"""The training service's own copy of what it needs to know about providers, kept from their events."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Column
from sqlmodel import Field

from servicekit.projection import ProjectionColumns, SupplierColumns


class AccreditationProjection(ProjectionColumns, table=True):
    """An accreditation as last announced on `accreditation.accreditation.v1`."""

    __tablename__ = "training_accreditations"

    supplier_id: str = Field(max_length=36, index=True)
    training_areas: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    audiences: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(max_length=20)
    expires_on: date


class SupplierProjection(SupplierColumns, table=True):
    """A supplier as last announced on `suppliers.supplier.v1`: enough to name a course's provider."""

    __tablename__ = "training_suppliers"
