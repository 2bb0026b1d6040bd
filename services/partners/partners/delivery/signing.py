"""Standard Webhooks v1 signatures: `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`."""

from __future__ import annotations

import base64
import hashlib
import hmac

from partners.secrets import secret_bytes


def signature(secret: str, *, message_id: str, timestamp: int, body: bytes) -> str:
    """One `v1,` signature of the body by one secret."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()).decode()


def headers(secrets: list[str], *, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The webhook-* headers: one signature per secret in force, space-separated, as the specification allows."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, message_id=message_id, timestamp=timestamp, body=body)
                                      for s in secrets),
        "content-type": "application/cloudevents+json",
    }
