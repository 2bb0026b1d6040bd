"""The assistant's read model: what it searches, kept from other services' events.

Three kinds of record (published offerings, published courses, use cases listed in the AI Hub registry)
share one table: each row carries the attributes the question's filters are checked on (null where a
kind has no such attribute) and its passages (name, summary, the sentences of its description) with one
sentence embedding per passage. Categories and suppliers are kept too: category names are what a phrase
is matched to, a supplier's size and Māori business standing are what their filters are checked on."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import JSON, Column, LargeBinary
from sqlmodel import Field

from servicekit.projection import ProjectionColumns, SupplierColumns

RecordKind = Literal["offering", "course", "use_case"]


class SearchRecord(ProjectionColumns, table=True):
    """One offering, course or use case as the assistant searches it; `id` is `<kind>:<source id>`."""

    __tablename__ = "assistant_records"

    kind: str = Field(max_length=20, index=True)
    source_id: str = Field(max_length=36)
    # Searched only while the source is live: published (offerings, courses) or listed (use cases).
    live: bool = Field(index=True)
    name: str = Field(max_length=200)
    link: str = Field(max_length=200)
    categories: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    engagement_type: str | None = Field(default=None, max_length=80)
    data_residency: str | None = Field(default=None, max_length=20)
    te_reo_maori_support: bool | None = None
    risk_tier: str | None = Field(default=None, max_length=20)
    price_min: float | None = None
    price_max: float | None = None
    # Assurance records as {standard, status, expires_on}: whether one is held depends on today's date.
    assurance: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    supplier_id: str | None = Field(default=None, max_length=36)
    # [{"field": ..., "text": ...}], in the order of `vectors`' rows.
    passages: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    vectors: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # The embedding model and its version: vectors of another are not comparable.
    model: str = Field(max_length=120)


class CategoryRecord(ProjectionColumns, table=True):
    """A category of either axis, with the embedding of its name; `id` is its code."""

    __tablename__ = "assistant_categories"

    axis: str = Field(max_length=20)
    name: str = Field(max_length=200)
    parent: str | None = Field(default=None, max_length=80)
    status: str = Field(max_length=20)
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    model: str = Field(max_length=120)


class SupplierRecord(SupplierColumns, table=True):
    """A supplier's size and Māori business standing, for the filters of those names."""

    __tablename__ = "assistant_suppliers"

    size: str = Field(max_length=10)
    maori_business: bool = False
