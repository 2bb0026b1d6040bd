"""Time as the services see it; tests replace it to move time forward."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone


class Clock:
    """The real wall clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class SettableClock(Clock):
    """A clock that tests set and advance; it stands still otherwise."""

    def __init__(self, start: datetime | None = None):
        self._now = start or datetime.now(timezone.utc)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now
