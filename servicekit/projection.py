"""Projections: a service's own copy of another service's aggregates, kept from the snapshots their events
carry. The consumer has already dropped events older than what a row holds, so the latest snapshot wins."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from servicekit.tables import utc_field


class ProjectionColumns(SQLModel):
    """What every projection row has: the aggregate's id, and the version and times `keep_snapshot` stamps.
    A projection declares only the columns it copies from the snapshot (`class X(ProjectionColumns,
    table=True)`); the fields come from SQLModel, so each table gets columns of its own."""

    id: str = Field(primary_key=True, max_length=36)
    version: int
    changed_at: datetime = utc_field()
    applied_at: datetime = utc_field()


class SupplierColumns(ProjectionColumns):
    """A supplier as every service following `suppliers.supplier.v1` keeps it; a service adds what it needs."""

    legal_name: str = Field(max_length=200)
    trading_name: str | None = Field(default=None, max_length=200)
    status: str = Field(max_length=30)


Row = TypeVar("Row", bound=ProjectionColumns)


class Snapshot(Protocol):
    version: int
    occurred_at: datetime


def copied_columns(model: type[ProjectionColumns]) -> set[str]:
    """The columns of `model` taken from the snapshot: all but the id and the stamp."""
    return set(model.model_fields) - set(ProjectionColumns.model_fields)


async def keep_snapshot(session: AsyncSession, model: type[Row], event: Snapshot, state: BaseModel) -> Row:
    """Insert or replace the row of `model` keyed by the snapshot's id with the snapshot's values of the
    columns `model` declares, stamped with the event's version and time; flushed, so what follows in the
    same transaction reads it."""
    return await keep_row(session, model, state.id, event, state.model_dump(include=copied_columns(model)))


async def keep_row(session: AsyncSession, model: type[Row], key: str, event: Snapshot, columns: dict) -> Row:
    """Insert or replace the row of `model` keyed by `key` with these values, stamped with the event's
    version and time (for a projection whose columns are worked out from the snapshot rather than copied);
    flushed, so what follows in the same transaction reads it."""
    row = await session.get(model, key) or model(id=key)
    for name, value in columns.items():
        setattr(row, name, value)
    row.version = event.version
    row.changed_at = event.occurred_at
    row.applied_at = datetime.now(timezone.utc)
    session.add(row)
    await session.flush()
    return row
