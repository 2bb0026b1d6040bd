"""The accreditation service's own copy of what it needs to know about suppliers, kept from their events."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Field, SQLModel

from servicekit.tables import utc_column


class SupplierProjection(SQLModel, table=True):
    """A supplier as last announced on `suppliers.supplier.v1`."""

    __tablename__ = "accreditation_suppliers"

    id: str = Field(primary_key=True, max_length=36)
    legal_name: str = Field(max_length=200)
    trading_name: str | None = Field(default=None, max_length=200)
    status: str = Field(max_length=30)
    version: int
    changed_at: datetime = Field(sa_column=utc_column())
    applied_at: datetime = Field(sa_column=utc_column())


class SupplierKnown(BaseModel):
    """What the accreditation service knows of a supplier."""

    id: str
    legal_name: str
    trading_name: str | None
    status: str
    version: int
    changed_at: datetime
    applied_at: datetime
