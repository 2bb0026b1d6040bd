"""Request-body building blocks every service shares."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_has_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    return False


class StrictModel(BaseModel):
    """A request body: unknown fields refused, surrounding whitespace trimmed, no NUL characters (PostgreSQL
    cannot store them, so they are bad input rather than a failure deep in the database)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError("must not contain a NUL character")
        return value


class Reason(StrictModel):
    """Why a transition is made (required where the life cycle says so)."""

    reason: Annotated[str | None, Field(max_length=2000)] = None
