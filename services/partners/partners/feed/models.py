"""The store of deliverable events, in one stable order (`seq`): it backs the pull feed, recover and resend."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import JSON, Column, Index
from sqlmodel import Field as ColumnField
from sqlmodel import SQLModel

from servicekit.tables import AUTO_ID, utc_column

SPEC_VERSION = "1.0"


class StoredEvent(SQLModel, table=True):
    """One event as partners receive it (its data already cut to the visible fields)."""

    __tablename__ = "partner_events"
    __table_args__ = (Index("ix_partner_events_time", "time", "seq"), Index("ix_partner_events_stored", "stored_at"))

    seq: int | None = ColumnField(default=None, sa_column=Column(AUTO_ID, primary_key=True, autoincrement=True))
    event_id: str = ColumnField(max_length=64, unique=True)
    type: str = ColumnField(max_length=200, index=True)
    source: str = ColumnField(max_length=200)
    subject: str = ColumnField(max_length=200)
    time: datetime = ColumnField(sa_column=utc_column())
    data: dict = ColumnField(sa_column=Column(JSON, nullable=False))
    # A test delivery's event belongs to one subscription and stays out of the feed.
    private_to: str | None = ColumnField(default=None, max_length=36)
    stored_at: datetime = ColumnField(sa_column=utc_column())

    def cloudevent(self) -> dict[str, Any]:
        """The event in CloudEvents structured JSON."""
        return {"specversion": SPEC_VERSION, "id": self.event_id, "source": self.source, "type": self.type,
                "subject": self.subject, "time": self.time.isoformat().replace("+00:00", "Z"),
                "datacontenttype": "application/json", "data": self.data}


class PublicSubject(SQLModel, table=True):
    """An aggregate partners have seen: later news about it (a withdrawal, say) is delivered too."""

    __tablename__ = "partner_public_subjects"

    topic: str = ColumnField(primary_key=True, max_length=200)
    subject: str = ColumnField(primary_key=True, max_length=200)
    first_public_at: datetime = ColumnField(sa_column=utc_column())


class CloudEvent(BaseModel):
    """A marketplace event in CloudEvents 1.0 structured JSON, as the feed and the webhooks carry it."""

    specversion: str = SPEC_VERSION
    id: str = Field(description="Unique id; also the webhook-id of its deliveries")
    source: str
    type: str
    subject: str
    time: str
    datacontenttype: str = "application/json"
    data: dict[str, Any] = Field(description="The public part of the event's data (see the visibility table)")


class FeedPage(BaseModel):
    """Events after the cursor, oldest first; pass `next_cursor` back as `after` (it is there even when the
    page is empty, to poll from)."""

    data: list[CloudEvent]
    next_cursor: str
