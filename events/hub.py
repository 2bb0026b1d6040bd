"""Contracts of the hub service: the Public Service AI Hub registry, one entry per live thing."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from events.base import Contract, Event
from events.topics import event_type, topic

REGISTRY_TOPIC = topic(
    "hub.registry.v1",
    producer="hub",
    description="Life of every entry of the AI Hub registry: an entry is added when its source goes live "
                "(an offering published, an accreditation in force, a course published, a strategic "
                "partnership active, an agency AI use case registered), changes as its source does, and is "
                "removed from the public registry when its source stops being live (its history stays).",
    consumers=["partners", "assistant", "assurance"],
)

EntryType = Literal["offering", "accreditation", "course", "strategic_partnership", "use_case"]
SourceType = Literal["offering", "accreditation", "course", "agreement", "use_case"]


class RegistryEntryState(Contract):
    """Public state of a registry entry."""

    id: str = Field(description="<type>:<source id>; also the aggregate id")
    type: EntryType
    source_type: SourceType = Field(description="Kind of record the entry stands for")
    source_id: str = Field(description="Id of the record the entry stands for, in the service that owns it")
    source_version: int = Field(description="Version of that record the entry was built from")
    link: str = Field(description="Path of the source in the public API, e.g. /api/v1/offerings/<id>")
    name: str
    summary: str
    category: str | None = Field(default=None, description="Main category code")
    categories: list[str] = Field(default=[], description="Every category code (or training area) it is in")
    supplier_id: str | None = None
    supplier_name: str | None = None
    agency: str | None = Field(default=None, description="Owning agency of a use case")
    risk_level: str | None = None
    phase: str | None = Field(default=None, description="Phase of a use case")
    status: str = Field(description="Status of the source")
    listed: bool = Field(description="In the public registry; false once the source stopped being live")
    first_listed_at: datetime | None = None
    source_changed_at: datetime = Field(description="When the source last changed")
    details: dict[str, Any] = Field(default={}, description="Type-specific public details")


class RegistryEntryEvent(Event):
    entry: RegistryEntryState


@event_type(REGISTRY_TOPIC, "nz.govt.marketplace.registry.added.v1")
class RegistryEntryAdded(RegistryEntryEvent):
    """An entry entered the public registry (new, or back after it left)."""


@event_type(REGISTRY_TOPIC, "nz.govt.marketplace.registry.changed.v1")
class RegistryEntryChanged(RegistryEntryEvent):
    """A listed entry changed as its source did."""


@event_type(REGISTRY_TOPIC, "nz.govt.marketplace.registry.removed.v1")
class RegistryEntryRemoved(RegistryEntryEvent):
    """An entry left the public registry (its source is no longer live); its history stays."""
