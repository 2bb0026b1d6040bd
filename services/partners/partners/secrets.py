"""Signing secrets: made, shown once, kept encrypted.

A signing secret must be kept to sign every delivery, so it cannot be stored as a hash; it is stored
encrypted (Fernet: AES-128-CBC with HMAC-SHA256) under a key derived from PARTNERS_SECRET_KEY, and a
copy of the database alone does not give it away.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet, InvalidToken

PREFIX = "whsec_"
SECRET_BYTES = 32  # Standard Webhooks: between 24 and 64 bytes


def new_secret() -> str:
    """A fresh `whsec_<base64>` secret."""
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_bytes(secret: str) -> bytes:
    """The HMAC key a `whsec_` secret stands for."""
    return base64.b64decode(secret.removeprefix(PREFIX))


class SecretBox:
    """Encrypts and decrypts signing secrets with the service's key."""

    def __init__(self, key: str):
        self._fernet = Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken as exc:
            raise RuntimeError("a signing secret cannot be decrypted: was PARTNERS_SECRET_KEY changed?") from exc
