"""Base classes for event contracts.

Every event carries the aggregate id, its version (monotonic per aggregate) and a snapshot of the
aggregate's public state, so a consumer can drop stale events and rebuild a projection from the
latest event alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field


class Contract(BaseModel):
    """A part of an event contract; unknown fields are ignored so producers can add optional ones."""

    model_config = ConfigDict(extra="ignore")


class Event(Contract):
    """Data of one event. Subclasses set TYPE (the `ce_type`) and TOPIC."""

    TYPE: ClassVar[str]
    TOPIC: ClassVar[str]

    aggregate_id: str = Field(description="Id of the aggregate the event is about; also the Kafka key")
    version: int = Field(ge=1, description="Aggregate version after the change; monotonic per aggregate")
    occurred_at: datetime = Field(description="When the change was committed")
    actor: str | None = Field(default=None, description="Who made the change (client id or 'system')")
    reason: str | None = Field(default=None, description="Why, when the change needs one")
