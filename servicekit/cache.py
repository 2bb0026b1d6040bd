"""A small in-process cache of answers that do not depend on the caller, kept for a few seconds."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class TtlCache(Generic[V]):
    """Values kept for `seconds` (of the time the caller passes in, so a test's clock can move it), at most
    `size` of them: the least recently written goes first. `seconds` of 0 keeps nothing."""

    def __init__(self, seconds: float, *, size: int = 1024):
        self.seconds = seconds
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.seconds > 0

    def get(self, key: Hashable, now: float) -> V | None:
        """The value written under `key` less than `seconds` before `now`, else None."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        written, value = entry
        if not 0 <= now - written < self.seconds:
            del self._entries[key]
            return None
        return value

    def put(self, key: Hashable, value: V, now: float) -> None:
        if not self.enabled:
            return
        self._entries.pop(key, None)
        self._entries[key] = (now, value)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
