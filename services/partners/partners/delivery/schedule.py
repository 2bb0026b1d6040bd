"""When a failed delivery is tried again: Svix's schedule, with jitter, scaled by a setting."""

from __future__ import annotations

import random
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

# Seconds before attempt 1, 2, ... 8: at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; then it is given up.
SCHEDULE = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
# Answers that say "later" and may say when.
THROTTLED = (429, 503)


def retry_delay(attempts_made: int, *, scale: float, jitter: float, rng: random.Random = random) -> float | None:
    """Seconds until the next attempt after `attempts_made` failed ones; None when none is left."""
    if attempts_made >= len(SCHEDULE):
        return None
    base = SCHEDULE[attempts_made] * scale
    return max(0.0, base * (1 + rng.uniform(-jitter, jitter)))


def retry_after(value: str | None, *, now: datetime) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), capped at the longest step."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value) if value.isdigit() else (parsedate_to_datetime(value) - now).total_seconds()
    except (TypeError, ValueError, OverflowError):
        return None
    return min(max(seconds, 0.0), float(max(SCHEDULE)))


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
