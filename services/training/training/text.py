"""Text the training service accepts: PostgreSQL cannot store a NUL character, so one is refused as
bad input (422) before it reaches the database, in bodies, queries and path ids alike."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from pydantic import Field, field_validator

from servicekit.models import StrictModel

NO_NUL = r"^[^\x00]*$"
Id = Annotated[str, Path(max_length=64, pattern=NO_NUL)]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, (list, tuple)):
        return any(_has_nul(v) for v in value)
    return False


class Body(StrictModel):
    """A request body of this service: unknown fields refused, whitespace trimmed, no NUL characters."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError("must not contain a NUL character")
        return value


class ReasonBody(Body):
    """Why a transition is made (optional for the provider's withdrawal)."""

    reason: Annotated[str | None, Field(max_length=2000)] = None
