"""What a provider sends to schedule a session. The session's table and what callers see are part of its
course (course/models.py): a course's record and events carry its sessions."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, Field, model_validator

from servicekit.models import StrictModel


class SessionCreate(StrictModel):
    """A session to schedule: start before end, online or at a location, at least one place."""

    starts_at: AwareDatetime
    ends_at: AwareDatetime
    online: bool
    location: Annotated[str | None, Field(min_length=1, max_length=300)] = None
    capacity: Annotated[int, Field(ge=1, le=10000)]

    @model_validator(mode="after")
    def _consistent(self):
        if self.starts_at >= self.ends_at:
            raise ValueError("starts_at must be before ends_at")
        if not self.online and not self.location:
            raise ValueError("a session that is not online needs a location")
        return self
