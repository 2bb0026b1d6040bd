"""Signing pushes to the external hub: HMAC-SHA256 over the time, method, path and body.

Headers: `X-Hub-Timestamp` (Unix seconds) and `X-Hub-Signature: sha256=<hex>`, the HMAC of
`<timestamp>\\n<METHOD>\\n<path>\\n<body>` with the shared secret. The receiver recomputes it and
refuses a stale timestamp, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Hub-Signature"
TIMESTAMP_HEADER = "X-Hub-Timestamp"
MAX_SKEW_SECONDS = 300


def _digest(secret: str, timestamp: str, method: str, path: str, body: bytes) -> str:
    message = f"{timestamp}\n{method.upper()}\n{path}\n".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, method: str, path: str, body: bytes = b"", *, now: float | None = None) -> dict[str, str]:
    """The headers that sign one request."""
    timestamp = str(int(now if now is not None else time.time()))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: "sha256=" + _digest(secret, timestamp, method, path, body)}


def verify(secret: str, method: str, path: str, body: bytes, headers, *, now: float | None = None) -> bool:
    """Whether the headers carry a fresh, valid signature of this request."""
    timestamp = headers.get(TIMESTAMP_HEADER) or ""
    given = headers.get(SIGNATURE_HEADER) or ""
    if not timestamp.isdigit() or abs((now or time.time()) - int(timestamp)) > MAX_SKEW_SECONDS:
        return False
    return hmac.compare_digest(given, "sha256=" + _digest(secret, timestamp, method, path, body))
