"""Small request types of the training service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import Field

from servicekit.models import StrictModel

Id = Annotated[str, Path(max_length=64)]


class ReasonBody(StrictModel):
    """Why a transition is made (optional for the provider's withdrawal)."""

    reason: Annotated[str | None, Field(max_length=2000)] = None
