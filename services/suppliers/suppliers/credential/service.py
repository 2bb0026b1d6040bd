"""Issuing, rotating and checking supplier client secrets. Whether the supplier may still sign in is the
supplier's rule (supplier/service.py `signed_in`)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.history import record_change
from servicekit.identity import Identity
from suppliers.credential.models import ClientCredentials, SupplierClient

# Secrets are 256 random bits, so a fast hash is safe here: there is no dictionary to try.
HASH_PREFIX = "sha256$"
AGGREGATE = "supplier_client"


def _hash(secret: str) -> str:
    return HASH_PREFIX + hashlib.sha256(secret.encode()).hexdigest()


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def issue(session: AsyncSession, *, supplier_id: str, now: datetime) -> ClientCredentials:
    """Create the supplier's client; the secret is returned once and never stored."""
    secret = _new_secret()
    client = SupplierClient(client_id=f"sup_{secrets.token_hex(8)}", supplier_id=supplier_id,
                            secret_hash=_hash(secret), created_at=now)
    session.add(client)
    return ClientCredentials(client_id=client.client_id, client_secret=secret)


async def rotate(session: AsyncSession, *, supplier_id: str, actor: Identity, now: datetime) -> ClientCredentials:
    """Replace the supplier's secret; the old one stops working at once."""
    client = await session.scalar(select(SupplierClient).where(SupplierClient.supplier_id == supplier_id))
    secret = _new_secret()
    client.secret_hash = _hash(secret)
    client.rotated_at = now
    client.version += 1
    record_change(session, aggregate_type=AGGREGATE, aggregate_id=client.client_id, version=client.version,
                  action="rotate", actor=actor.subject, at=now)
    return ClientCredentials(client_id=client.client_id, client_secret=secret)


async def match(session: AsyncSession, *, client_id: str, client_secret: str) -> SupplierClient | None:
    """The client, when the secret matches."""
    client = await session.get(SupplierClient, client_id)
    if client is None or not hmac.compare_digest(client.secret_hash, _hash(client_secret)):
        return None
    return client
