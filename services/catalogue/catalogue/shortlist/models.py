"""Shortlists: offerings a buyer keeps with notes, to weigh and export. Private to the buyer who made one."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import Column, Text
from sqlmodel import Field as ColumnField
from sqlmodel import SQLModel

from events.catalogue import OfferingStatus
from servicekit.models import StrictModel
from servicekit.tables import utc_column

MAX_ITEMS = 100
Name = Annotated[str, Field(min_length=1, max_length=200)]
Notes = Annotated[str | None, Field(max_length=2000)]
OfferingId = Annotated[str, Field(min_length=1, max_length=36)]


class Shortlist(SQLModel, table=True):
    """A buyer's shortlist; `owner` is the buyer's client id, `agency` the agency it acted for."""

    __tablename__ = "catalogue_shortlists"

    id: str = ColumnField(default_factory=lambda: str(uuid.uuid4()), primary_key=True, max_length=36)
    owner: str = ColumnField(max_length=200)
    agency: str | None = ColumnField(default=None, max_length=200, index=True)
    name: str = ColumnField(max_length=200)
    version: int = 1
    created_at: datetime = ColumnField(sa_column=utc_column())
    updated_at: datetime = ColumnField(sa_column=utc_column())


class ShortlistItem(SQLModel, table=True):
    """An offering on a shortlist, with the buyer's notes. It stays when the offering leaves the marketplace."""

    __tablename__ = "catalogue_shortlist_items"

    shortlist_id: str = ColumnField(primary_key=True, max_length=36, foreign_key="catalogue_shortlists.id")
    offering_id: str = ColumnField(primary_key=True, max_length=36)
    notes: str | None = ColumnField(default=None, sa_column=Column(Text))
    added_at: datetime = ColumnField(sa_column=utc_column())
    updated_at: datetime = ColumnField(sa_column=utc_column())


class ItemIn(StrictModel):
    offering_id: OfferingId
    notes: Notes = None


class ShortlistCreate(StrictModel):
    """A new shortlist, with the offerings it starts with (published ones, each once)."""

    name: Name
    items: Annotated[list[ItemIn], Field(max_length=MAX_ITEMS)] = []

    @field_validator("items")
    @classmethod
    def _each_offering_once(cls, items: list[ItemIn]) -> list[ItemIn]:
        ids = [item.offering_id for item in items]
        if len(set(ids)) != len(ids):
            raise ValueError("items must not repeat an offering")
        return items


class ShortlistUpdate(StrictModel):
    name: Name


class ItemNotes(StrictModel):
    notes: Notes = None


class ShortlistedOffering(BaseModel):
    """What the shortlist shows of an offering; `status` says when it left the marketplace."""

    name: str
    summary: str
    supplier_id: str
    status: OfferingStatus
    available: bool = Field(description="Whether the offering is published today")


class ShortlistItemPublic(BaseModel):
    offering_id: str
    notes: str | None
    added_at: datetime
    updated_at: datetime
    offering: ShortlistedOffering


class ShortlistSummary(BaseModel):
    id: str
    name: str
    owner: str = Field(description="the client id of the buyer who made it (the only one who may change it)")
    agency: str | None = Field(description="the agency of that buyer")
    version: int
    created_at: datetime
    updated_at: datetime


class ShortlistPublic(ShortlistSummary):
    """A shortlist with its items, in the order they were added."""

    items: list[ShortlistItemPublic]
