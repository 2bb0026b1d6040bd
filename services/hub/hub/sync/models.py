"""Sync tables: the per-entry queue of changes still to push, and the state of the sync as a whole."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel
from pydantic import BaseModel

from servicekit.tables import utc_column


class SyncItem(SQLModel, table=True):
    """An entry whose newest change the external hub has not acknowledged yet; one row per entry, so a
    later change supersedes an earlier one and an entry's changes are never sent out of order."""

    __tablename__ = "hub_sync_queue"

    entry_id: str = Field(primary_key=True, max_length=140)
    entry_version: int = Field(description="The entry version this row asks to send (or newer)")
    enqueued_at: datetime = Field(sa_column=utc_column())
    next_attempt_at: datetime = Field(sa_column=utc_column())
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))


class SyncState(SQLModel, table=True):
    """One row: how the push to the external hub is going."""

    __tablename__ = "hub_sync_state"

    id: int = Field(default=1, primary_key=True)
    last_success_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    last_failure_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    pushed_total: int = 0
    failures_total: int = 0
    consecutive_failures: int = 0
    last_reconcile_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    last_reconcile: dict | None = Field(default=None, sa_column=Column(JSON))


class ReconcileOutcome(BaseModel):
    """What a reconciliation found at the external hub, and what it queued to fix it."""

    registry_entries: int
    hub_entries: int
    missing: int
    outdated: int
    extra: int
    queued: int


class SyncStatus(BaseModel):
    """The sync as seen from the registry."""

    enabled: bool
    target: str | None
    backlog: int
    oldest_waiting_since: datetime | None
    retrying: int
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_error: str | None
    pushed_total: int
    failures_total: int
    consecutive_failures: int
    last_reconcile_at: datetime | None
    last_reconcile: ReconcileOutcome | None
