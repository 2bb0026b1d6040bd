"""The accreditation service's own copy of what it needs to know about suppliers, kept from their events."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from servicekit.projection import SupplierColumns


class SupplierProjection(SupplierColumns, table=True):
    """A supplier as last announced on `suppliers.supplier.v1`."""

    __tablename__ = "accreditation_suppliers"


class SupplierKnown(BaseModel):
    """What the accreditation service knows of a supplier."""

    id: str
    legal_name: str
    trading_name: str | None
    status: str
    version: int
    changed_at: datetime
    applied_at: datetime
