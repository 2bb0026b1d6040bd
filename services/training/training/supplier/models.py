"""The training service's own copy of what it needs to know about providers, kept from their events."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from servicekit.tables import utc_column


class AccreditationProjection(SQLModel, table=True):
    """An accreditation as last announced on `accreditation.accreditation.v1`."""

    __tablename__ = "training_accreditations"

    id: str = Field(primary_key=True, max_length=36)
    supplier_id: str = Field(max_length=36, index=True)
    training_areas: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    audiences: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(max_length=20)
    expires_on: date
    version: int
    changed_at: datetime = Field(sa_column=utc_column())
    applied_at: datetime = Field(sa_column=utc_column())


class SupplierProjection(SQLModel, table=True):
    """A supplier as last announced on `suppliers.supplier.v1`: enough to name a course's provider."""

    __tablename__ = "training_suppliers"

    id: str = Field(primary_key=True, max_length=36)
    legal_name: str = Field(max_length=200)
    trading_name: str | None = Field(default=None, max_length=200)
    status: str = Field(max_length=30)
    version: int
    changed_at: datetime = Field(sa_column=utc_column())
    applied_at: datetime = Field(sa_column=utc_column())
