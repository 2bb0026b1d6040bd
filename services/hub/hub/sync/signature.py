"""Signing pushes to the external hub: HMAC-SHA256 over the whole request, once.

Headers: `X-Hub-Timestamp` (Unix seconds), `X-Hub-Nonce` (a random id, new for every request) and
`X-Hub-Signature: sha256=<hex>`, the HMAC with the shared secret of

    <timestamp>\\n<nonce>\\n<METHOD>\\n<host>\\n<path and query as sent>\\n<body>

Signing the host and the query string means a signed request cannot be sent to another hub or with other
parameters; the receiver refuses a stale timestamp and, with a `ReplayGuard`, a nonce it has already seen
within the window, so a captured request cannot be sent again, later or at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

SIGNATURE_HEADER = "X-Hub-Signature"
TIMESTAMP_HEADER = "X-Hub-Timestamp"
NONCE_HEADER = "X-Hub-Nonce"
MAX_SKEW_SECONDS = 300
MAX_NONCE_LENGTH = 64


def _digest(secret: str, timestamp: str, nonce: str, method: str, host: str, target: str, body: bytes) -> str:
    message = f"{timestamp}\n{nonce}\n{method.upper()}\n{host.lower()}\n{target}\n".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, method: str, host: str, target: str, body: bytes = b"", *,
         now: float | None = None, nonce: str | None = None) -> dict[str, str]:
    """The headers that sign one request to `host` (as in its Host header) for `target` (path and query)."""
    timestamp = str(int(now if now is not None else time.time()))
    nonce = nonce or secrets.token_hex(16)
    digest = _digest(secret, timestamp, nonce, method, host, target, body)
    return {TIMESTAMP_HEADER: timestamp, NONCE_HEADER: nonce, SIGNATURE_HEADER: "sha256=" + digest}


def verify(secret: str, method: str, host: str, target: str, body: bytes, headers: Mapping[str, str], *,
           now: float | None = None) -> bool:
    """Whether the headers carry a fresh, valid signature of this request (replays are the guard's to refuse)."""
    timestamp = headers.get(TIMESTAMP_HEADER) or ""
    nonce = headers.get(NONCE_HEADER) or ""
    given = headers.get(SIGNATURE_HEADER) or ""
    if not timestamp.isdigit() or abs((now or time.time()) - int(timestamp)) > MAX_SKEW_SECONDS:
        return False
    if not nonce or len(nonce) > MAX_NONCE_LENGTH:
        return False
    return hmac.compare_digest(given, "sha256=" + _digest(secret, timestamp, nonce, method, host, target, body))


class ReplayGuard:
    """The nonces a receiver has accepted within the timestamp window: a second use of one is a replay.

    A nonce older than the window needs no memory, since its timestamp is refused as stale anyway."""

    def __init__(self, window_seconds: float = MAX_SKEW_SECONDS):
        self.window_seconds = window_seconds
        self._seen: dict[str, float] = {}

    def first_use(self, headers: Mapping[str, str], *, now: float | None = None) -> bool:
        """Record the request's nonce; False when it was seen before (call only after `verify` passed)."""
        now = now if now is not None else time.time()
        self._seen = {nonce: until for nonce, until in self._seen.items() if until > now}
        nonce = headers.get(NONCE_HEADER) or ""
        if nonce in self._seen:
            return False
        self._seen[nonce] = now + 2 * self.window_seconds  # a timestamp may be early or late by the window
        return True
