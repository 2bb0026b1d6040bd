"""Per-client token-bucket rate limit, and the 429 problem of a caller over it."""

from __future__ import annotations

import math
import time

from servicekit.problems import Problem

MAX_KEYS = 100_000


class TokenBucketLimiter:
    """`rate` requests a second per key on average, bursts of up to `burst`."""

    def __init__(self, rate: float, burst: int, *, clock=time.monotonic):
        self.rate = rate
        self.burst = float(max(burst, 1))
        self.enabled = rate > 0
        self._clock = clock
        self._buckets: dict[str, list[float]] = {}

    def take(self, key: str) -> int:
        """0 when the request may go ahead, else the whole seconds to wait (at least 1)."""
        if not self.enabled:
            return 0
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= MAX_KEYS:
                self._forget_full(now)
            self._buckets[key] = [self.burst - 1.0, now]
            return 0
        tokens = min(self.burst, bucket[0] + (now - bucket[1]) * self.rate)
        bucket[1] = now
        if tokens >= 1.0:
            bucket[0] = tokens - 1.0
            return 0
        bucket[0] = tokens
        return max(1, math.ceil((1.0 - tokens) / self.rate))

    def _forget_full(self, now: float) -> None:
        # A bucket that has refilled is the same as no bucket, so dropping it changes nothing.
        full = [key for key, (tokens, at) in self._buckets.items() if tokens + (now - at) * self.rate >= self.burst]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= MAX_KEYS:
            self._buckets.clear()


def rate_limited(wait: int, what: str = "requests") -> Problem:
    """429 problem+json telling the caller how long to wait."""
    return Problem(429, f"too many {what}; retry in {wait} s", kind="rate-limited",
                   headers={"retry-after": str(wait)})
