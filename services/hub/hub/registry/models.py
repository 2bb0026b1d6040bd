"""Registry tables: the newest snapshot of every source, and the entries derived from them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from events.hub import RegistryEntryState
from hub.registry.projection import Source
from servicekit.tables import utc_column


class SourceRecord(SQLModel, table=True):
    """The newest snapshot the hub has of one source record (offering, supplier, agreement, ...)."""

    __tablename__ = "hub_sources"

    kind: str = Field(primary_key=True, max_length=20)
    id: str = Field(primary_key=True, max_length=100)
    version: int
    state: dict = Field(sa_column=Column(JSON, nullable=False))
    changed_at: datetime = Field(sa_column=utc_column())
    first_live_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))

    def as_source(self) -> Source:
        return Source(kind=self.kind, id=self.id, version=self.version, state=self.state,
                      changed_at=self.changed_at, first_live_at=self.first_live_at)

    def take(self, source: Source) -> None:
        self.version, self.state = source.version, source.state
        self.changed_at, self.first_live_at = source.changed_at, source.first_live_at


class RegistryEntry(SQLModel, table=True):
    """One entry of the registry; `listed` false keeps the history of one that left."""

    __tablename__ = "hub_entries"

    id: str = Field(primary_key=True, max_length=140)
    type: str = Field(max_length=30, index=True)
    source_type: str = Field(max_length=20)
    source_id: str = Field(max_length=100)
    source_version: int
    link: str = Field(max_length=200)
    name: str = Field(max_length=300)
    summary: str = Field(sa_column=Column(Text, nullable=False))
    category: str | None = Field(default=None, max_length=100, index=True)
    categories: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # "|code|code|": lets a LIKE find one code on SQLite and PostgreSQL alike.
    category_keys: str = Field(default="", max_length=2000)
    supplier_id: str | None = Field(default=None, max_length=100, index=True)
    supplier_name: str | None = Field(default=None, max_length=300)
    agency: str | None = Field(default=None, max_length=200, index=True)
    risk_level: str | None = Field(default=None, max_length=20)
    phase: str | None = Field(default=None, max_length=20)
    status: str = Field(max_length=30)
    listed: bool = Field(index=True)
    first_listed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    source_changed_at: datetime = Field(sa_column=utc_column())
    details: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    digest: str = Field(max_length=64)
    version: int
    updated_at: datetime = Field(sa_column=utc_column())

    def state(self) -> RegistryEntryState:
        return RegistryEntryState.model_validate(self, from_attributes=True)


class EntryPublic(RegistryEntryState):
    """A registry entry as callers see it; `version` counts the entry's own changes."""

    version: int
    updated_at: datetime


def public(entry: RegistryEntry) -> EntryPublic:
    return EntryPublic.model_validate(entry, from_attributes=True)
