"""Subscriptions: the table, what a partner sends, and what it sees."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel, Field
from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field as ColumnField
from sqlmodel import SQLModel

from events.partners import Ordering, SubscriptionState, SubscriptionStatus
from servicekit.models import StrictModel
from servicekit.tables import utc_column

Id = Annotated[str, Path(max_length=64)]
Sink = Annotated[str, Field(min_length=1, max_length=2000, description="https URL the deliveries are posted to")]
TypePattern = Annotated[str, Field(min_length=1, max_length=200)]
Types = Annotated[list[TypePattern], Field(min_length=1, max_length=50, description=(
    "CloudEvents types, exact (nz.govt.marketplace.offering.published.v1, or offering.published.v1 for short) "
    "or a prefix ending in * (offering.*; * alone for every type partners may receive)"))]
Filters = Annotated[list[dict[str, Any]], Field(max_length=20, description=(
    "CloudEvents Subscriptions API filters, all of which must match: {\"exact\"|\"prefix\"|\"suffix\": "
    "{attribute: value}}, {\"all\"|\"any\": [filter, ...]}, {\"not\": filter}; attributes type, source, subject"))]
Description = Annotated[str, Field(max_length=1000)]
RateLimit = Annotated[int, Field(ge=1, le=1000, description="Deliveries per second at most")]


class Subscription(SQLModel, table=True):
    """A partner's subscription; the signing secrets are kept encrypted."""

    __tablename__ = "partner_subscriptions"
    __table_args__ = (Index("ix_partner_subscriptions_owner", "owner", "created_at", "id"),)

    id: str = ColumnField(default_factory=lambda: str(uuid.uuid4()), primary_key=True, max_length=36)
    owner: str = ColumnField(max_length=200)
    sink: str = ColumnField(sa_column=Column(Text, nullable=False))
    types: list[str] = ColumnField(sa_column=Column(JSON, nullable=False))
    filters: list[dict] = ColumnField(sa_column=Column(JSON, nullable=False))
    description: str | None = ColumnField(default=None, sa_column=Column(Text))
    rate_limit: int
    ordering: str = ColumnField(max_length=20)
    status: str = ColumnField(max_length=20)
    disabled_reason: str | None = ColumnField(default=None, sa_column=Column(Text))
    secret_sealed: str = ColumnField(sa_column=Column(Text, nullable=False))
    previous_secret_sealed: str | None = ColumnField(default=None, sa_column=Column(Text))
    previous_secret_until: datetime | None = ColumnField(default=None, sa_column=utc_column(nullable=True))
    failing_since: datetime | None = ColumnField(default=None, sa_column=utc_column(nullable=True))
    version: int = 1
    created_at: datetime = ColumnField(sa_column=utc_column())
    updated_at: datetime = ColumnField(sa_column=utc_column())

    def state(self) -> SubscriptionState:
        return SubscriptionState(id=self.id, owner=self.owner, sink=self.sink, types=self.types,
                                 filters=self.filters, description=self.description, rate_limit=self.rate_limit,
                                 ordering=self.ordering, status=self.status, disabled_reason=self.disabled_reason)


class SubscriptionCreate(StrictModel):
    """A new subscription."""

    sink: Sink
    types: Types
    filters: Filters = []
    description: Description | None = None
    rate_limit: RateLimit | None = None
    ordering: Ordering = "per_subject"


class SubscriptionUpdate(StrictModel):
    """Fields to change; those left out stay as they are."""

    sink: Sink | None = None
    types: Types | None = None
    filters: Filters | None = None
    description: Description | None = None
    rate_limit: RateLimit | None = None
    ordering: Ordering | None = None


class SubscriptionPublic(BaseModel):
    """A subscription as its partner sees it (never its secret)."""

    id: str
    owner: str
    sink: str
    types: list[str]
    filters: list[dict[str, Any]]
    description: str | None
    rate_limit: int
    ordering: Ordering
    status: SubscriptionStatus
    disabled_reason: str | None
    previous_secret_until: datetime | None = Field(
        description="Until when deliveries also carry a signature by the secret before the last rotation")
    failing_since: datetime | None = Field(description="Since when every delivery has failed, while they do")
    version: int
    created_at: datetime
    updated_at: datetime


class SubscriptionWithSecret(SubscriptionPublic):
    """The answer to a creation or a rotation: the only time the signing secret is shown."""

    secret: str | None = Field(description="whsec_... signing secret; shown this once, keep it safe (null when a "
                                           "creation is answered again for its Idempotency-Key: rotate to get one)")
