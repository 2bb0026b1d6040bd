"""Tables every service has: outbox, inbox, seen aggregate versions, audit history, idempotency keys.

Each service creates them in its own database through its first migration
(`servicekit.migrations.create_toolkit_tables`).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, Integer, Text, TypeDecorator, UniqueConstraint
from sqlmodel import Field, SQLModel

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT.
AUTO_ID = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator):
    """A UTC timestamp read back with its offset on every backend (SQLite returns naive values)."""

    impl = DateTime
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


def utc_column(nullable: bool = False) -> Column:
    return Column(UtcDateTime(timezone=True), nullable=nullable)


def utc_field(nullable: bool = False) -> Any:
    """A UTC timestamp field for a base class that several tables share (a Column object, unlike this,
    belongs to one table)."""
    return Field(sa_type=UtcDateTime(timezone=True), nullable=nullable)


class OutboxRecord(SQLModel, table=True):
    """An event written in the business transaction, waiting for the relay to publish it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "published_at", "id"),)

    id: int | None = Field(default=None, sa_column=Column(AUTO_ID, primary_key=True, autoincrement=True))
    event_id: str = Field(max_length=64, unique=True)
    topic: str = Field(max_length=200)
    event_type: str = Field(max_length=200)
    subject: str = Field(max_length=200)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    traceparent: str | None = Field(default=None, max_length=128)
    occurred_at: datetime = Field(sa_column=utc_column())
    published_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))


class InboxRecord(SQLModel, table=True):
    """An event a consumer group has applied; its presence makes redelivery a no-op."""

    __tablename__ = "inbox"

    consumer_group: str = Field(primary_key=True, max_length=100)
    event_id: str = Field(primary_key=True, max_length=64)
    event_type: str = Field(max_length=200)
    subject: str = Field(max_length=200)
    received_at: datetime = Field(sa_column=utc_column())


class SeenVersion(SQLModel, table=True):
    """The highest version of each aggregate a consumer group has applied; lower ones are stale."""

    __tablename__ = "seen_versions"

    consumer_group: str = Field(primary_key=True, max_length=100)
    topic: str = Field(primary_key=True, max_length=200)
    aggregate_id: str = Field(primary_key=True, max_length=200)
    version: int


class AuditEntry(SQLModel, table=True):
    """One state change of one aggregate: who, when, from what to what, and why."""

    __tablename__ = "audit_history"
    # Unique: two concurrent changes of the same version collide here, so one of them fails.
    __table_args__ = (UniqueConstraint("aggregate_type", "aggregate_id", "version", name="uq_audit_version"),)

    id: int | None = Field(default=None, sa_column=Column(AUTO_ID, primary_key=True, autoincrement=True))
    aggregate_type: str = Field(max_length=100)
    aggregate_id: str = Field(max_length=200)
    version: int
    action: str = Field(max_length=100)
    from_state: str | None = Field(default=None, max_length=100)
    to_state: str | None = Field(default=None, max_length=100)
    actor: str = Field(max_length=200)
    reason: str | None = Field(default=None, sa_column=Column(Text))
    changes: dict | None = Field(default=None, sa_column=Column(JSON))
    at: datetime = Field(sa_column=utc_column())


class IdempotencyRecord(SQLModel, table=True):
    """The answer given to a create request, replayed when the same key comes again."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("principal", "key", name="uq_idempotency_principal_key"),)

    id: int | None = Field(default=None, sa_column=Column(AUTO_ID, primary_key=True, autoincrement=True))
    principal: str = Field(max_length=200)
    key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)
    status_code: int | None = None
    response_body: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(sa_column=utc_column())


TOOLKIT_TABLES = [t.__table__ for t in (OutboxRecord, InboxRecord, SeenVersion, AuditEntry, IdempotencyRecord)]
