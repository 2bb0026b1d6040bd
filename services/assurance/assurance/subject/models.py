"""What the assurance service knows of the things it assesses, kept from their owners' events: offerings (and
which supplier each belongs to) from the catalogue, agencies' use cases from the AI Hub registry."""

from __future__ import annotations

from sqlmodel import Field

from servicekit.projection import ProjectionColumns


class OfferingProjection(ProjectionColumns, table=True):
    """An offering as last announced on `catalogue.offering.v1`."""

    __tablename__ = "assurance_offerings"

    supplier_id: str = Field(max_length=36, index=True)
    name: str = Field(max_length=200)
    status: str = Field(max_length=20)


class UseCaseProjection(ProjectionColumns, table=True):
    """A use case's registry entry as last announced on `hub.registry.v1` (keyed by the use case's id)."""

    __tablename__ = "assurance_use_cases"

    source_id: str = Field(max_length=36, index=True)
    name: str = Field(max_length=200)
    agency: str | None = Field(default=None, max_length=200)
    status: str = Field(max_length=30)
