"""Request-body building blocks every service shares."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class StrictModel(BaseModel):
    """A request body: unknown fields refused, surrounding whitespace trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Reason(StrictModel):
    """Why a transition is made (required where the life cycle says so)."""

    reason: Annotated[str | None, Field(max_length=2000)] = None
