"""Supplier records: the table, what a supplier sends, and what callers see."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, HttpUrl, model_validator
from sqlalchemy import JSON, Column
from sqlmodel import Field as ColumnField
from sqlmodel import SQLModel

from events.suppliers import SupplierSize, SupplierState, SupplierStatus
from servicekit.models import NOT_NULL, StrictModel
from servicekit.tables import utc_column
from suppliers.credential.models import ClientCredentials
from suppliers.supplier.nzbn import is_valid_nzbn


def _nzbn(value: str) -> str:
    if not is_valid_nzbn(value):
        raise ValueError("must be 13 digits ending in a valid GS1 check digit (e.g. 9429039501974)")
    return value


Nzbn = Annotated[str, Field(min_length=13, max_length=13), AfterValidator(_nzbn)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class Contact(StrictModel):
    """A person at the supplier the marketplace can reach."""

    name: Annotated[str, Field(min_length=1, max_length=100)]
    email: EmailStr
    phone: Annotated[str | None, Field(max_length=30, pattern=r"^\+?[0-9 ()-]{5,30}$")] = None
    role: Annotated[str | None, Field(max_length=100)] = None


class SupplierCreate(StrictModel):
    """What a supplier sends to register itself."""

    # The identification rule of `_identified`, stated in the schema: an NZBN alone, or an overseas country
    # (not NZ) together with the registration id there.
    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"required": ["nzbn"], "properties": {"nzbn": {"type": "string"}, "country": {"type": "null"},
                                              "registration_id": {"type": "null"}}},
        {"required": ["country", "registration_id"], "properties": {
            "nzbn": {"type": "null"}, "country": {"type": "string", "not": {"const": "NZ"}},
            "registration_id": {"type": "string"}}}]})

    legal_name: Name
    trading_name: Annotated[str | None, Field(max_length=200)] = None
    nzbn: Nzbn | None = None
    country: Annotated[str | None, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2, overseas only")] = None
    registration_id: Annotated[str | None, Field(min_length=1, max_length=50)] = None
    size: SupplierSize
    website: HttpUrl | None = Field(default=None, max_length=300)
    contacts: Annotated[list[Contact], Field(min_length=1, max_length=10)]
    maori_business: bool = False
    pasifika_business: bool = False

    @model_validator(mode="after")
    def _identified(self) -> SupplierCreate:
        if self.nzbn and (self.country or self.registration_id):
            raise ValueError("give either nzbn (New Zealand) or country and registration_id (overseas), not both")
        if not self.nzbn and not (self.country and self.registration_id):
            raise ValueError("give nzbn, or country and registration_id for an overseas supplier")
        if self.country == "NZ":
            raise ValueError("a New Zealand supplier is identified by its nzbn")
        return self


class SupplierUpdate(StrictModel):
    """Fields a supplier (or an admin) may change; legal identity only by an admin once verified."""

    # Only the trading name and the website may be cleared (null); the rest, left out, keep their values.
    legal_name: Annotated[Name, NOT_NULL] = None
    trading_name: Annotated[str | None, Field(max_length=200)] = None
    nzbn: Annotated[Nzbn, NOT_NULL] = None
    size: Annotated[SupplierSize, NOT_NULL] = None
    website: HttpUrl | None = Field(default=None, max_length=300)
    contacts: Annotated[list[Contact], Field(min_length=1, max_length=10), NOT_NULL] = None
    maori_business: Annotated[bool, NOT_NULL] = None
    pasifika_business: Annotated[bool, NOT_NULL] = None


class Supplier(SQLModel, table=True):
    """A supplier organisation as the suppliers service keeps it."""

    __tablename__ = "suppliers"

    id: str = ColumnField(default_factory=lambda: str(uuid.uuid4()), primary_key=True, max_length=36)
    legal_name: str = ColumnField(max_length=200, index=True)
    trading_name: str | None = ColumnField(default=None, max_length=200)
    nzbn: str | None = ColumnField(default=None, max_length=13, unique=True)
    country: str | None = ColumnField(default=None, max_length=2)
    registration_id: str | None = ColumnField(default=None, max_length=50)
    org_id: str = ColumnField(max_length=80)
    size: str = ColumnField(max_length=10)
    website: str | None = ColumnField(default=None, max_length=300)
    contacts: list = ColumnField(default_factory=list, sa_column=Column(JSON, nullable=False))
    maori_business: bool = False
    pasifika_business: bool = False
    status: str = ColumnField(max_length=30, index=True)
    version: int = 1
    created_at: datetime = ColumnField(sa_column=utc_column())
    updated_at: datetime = ColumnField(sa_column=utc_column())


class SupplierPublic(BaseModel):
    """A supplier as callers see it."""

    id: str
    legal_name: str
    trading_name: str | None
    nzbn: str | None
    country: str | None
    registration_id: str | None
    org_id: str
    size: SupplierSize
    website: str | None
    contacts: list[Contact] | None = Field(
        None, description="Only for admins, assessors and the supplier itself; null for everyone else")
    maori_business: bool
    pasifika_business: bool
    status: SupplierStatus
    version: int
    created_at: datetime
    updated_at: datetime


class SupplierProfile(BaseModel):
    """What anyone may read of a supplier the marketplace has verified and not suspended: who they are and
    what kind of business, not how to reach them or how they are identified."""

    id: str
    legal_name: str
    trading_name: str | None
    size: SupplierSize
    website: str | None
    maori_business: bool
    pasifika_business: bool


class SupplierWithCredentials(SupplierPublic):
    """The answer to a registration: the supplier plus its API credentials, shown only this once."""

    credentials: "ClientCredentials"


def supplier_state(supplier: Supplier) -> SupplierState:
    """The public snapshot carried by every supplier event (no contacts)."""
    return SupplierState.model_validate(supplier, from_attributes=True)


SupplierStatusFilter = Literal["pending_verification", "active", "suspended", "deregistered"]
SupplierWithCredentials.model_rebuild()
