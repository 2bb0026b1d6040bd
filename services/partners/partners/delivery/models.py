"""Deliveries of events to subscriptions, and every attempt of each."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import Column, Index, Text
from sqlmodel import Field as ColumnField
from sqlmodel import SQLModel

from servicekit.tables import AUTO_ID, utc_column

DeliveryStatus = Literal["pending", "delivered", "failed"]
DeliveryKind = Literal["event", "resend", "recover", "test"]


class Delivery(SQLModel, table=True):
    """One event owed to one subscription. `seq` is the order deliveries of one subject keep."""

    __tablename__ = "partner_deliveries"
    __table_args__ = (
        Index("ix_partner_deliveries_due", "status", "next_attempt_at"),
        Index("ix_partner_deliveries_subject", "subscription_id", "subject", "status", "seq"),
        Index("ix_partner_deliveries_log", "subscription_id", "created_at", "seq"),
    )

    seq: int | None = ColumnField(default=None, sa_column=Column(AUTO_ID, primary_key=True, autoincrement=True))
    id: str = ColumnField(default_factory=lambda: str(uuid.uuid4()), max_length=36, unique=True)
    subscription_id: str = ColumnField(max_length=36)
    event_seq: int
    event_id: str = ColumnField(max_length=64)
    event_type: str = ColumnField(max_length=200)
    subject: str = ColumnField(max_length=200)
    kind: str = ColumnField(max_length=20)
    status: str = ColumnField(max_length=20)
    attempts: int = 0
    next_attempt_at: datetime = ColumnField(sa_column=utc_column())
    lease_until: datetime | None = ColumnField(default=None, sa_column=utc_column(nullable=True))
    lease_token: str | None = ColumnField(default=None, max_length=36)
    created_at: datetime = ColumnField(sa_column=utc_column())
    finished_at: datetime | None = ColumnField(default=None, sa_column=utc_column(nullable=True))
    last_error: str | None = ColumnField(default=None, sa_column=Column(Text))


class Attempt(SQLModel, table=True):
    """One try at a delivery: when, what the sink answered, how long it took."""

    __tablename__ = "partner_attempts"

    id: int | None = ColumnField(default=None, sa_column=Column(AUTO_ID, primary_key=True, autoincrement=True))
    delivery_seq: int = ColumnField(index=True)
    attempted_at: datetime = ColumnField(sa_column=utc_column())
    response_status: int | None = None
    latency_ms: float
    response_body: str | None = ColumnField(default=None, sa_column=Column(Text))
    error: str | None = ColumnField(default=None, sa_column=Column(Text))


class AttemptPublic(BaseModel):
    attempted_at: datetime
    response_status: int | None = Field(description="HTTP status the sink answered; null when it did not answer")
    latency_ms: float
    response_body: str | None = Field(description="The first 1 KiB of the answer's body")
    error: str | None = Field(description="Why there was no answer (a timeout, a refused connection)")


class DeliveryPublic(BaseModel):
    id: str
    subscription_id: str
    event_id: str = Field(description="The CloudEvent id, sent as webhook-id on every attempt")
    event_type: str
    subject: str
    kind: DeliveryKind
    status: DeliveryStatus
    attempts: list[AttemptPublic]
    next_attempt_at: datetime | None = Field(description="When it is tried next, while pending")
    created_at: datetime
    finished_at: datetime | None


class RecoverRequest(BaseModel):
    """Queue again every event since this time (within the retention period)."""

    since: datetime


class RecoverOutcome(BaseModel):
    queued: int
