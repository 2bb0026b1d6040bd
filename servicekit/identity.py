"""The caller's identity as the gateway vouches for it.

The gateway verifies the caller's bearer token, then forwards the identity to the owning service
in one header, signed with a secret shared by the gateway and the services (HS256 JWT). Services
accept no request without it, so nothing reaches them around the gateway.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import jwt

IDENTITY_HEADER = "x-marketplace-identity"
REQUEST_ID_HEADER = "x-request-id"
ISSUER = "marketplace-gateway"
ROLES = ("admin", "assessor", "buyer", "supplier", "partner")
ANONYMOUS = "anonymous"
# Carried only by the gateway's own calls to services (never in a token: the gateway keeps ROLES only).
INTERNAL_ROLE = "gateway-internal"


class InvalidIdentity(Exception):
    """The identity header is missing, forged or expired."""


@dataclass(frozen=True)
class Identity:
    """Who is calling: a client id, its roles and, for a supplier, the supplier it acts for."""

    subject: str
    roles: frozenset[str] = field(default_factory=frozenset)
    supplier_id: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.subject == ANONYMOUS

    def has_role(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)

    def claims(self) -> dict:
        claims = {"sub": self.subject, "roles": sorted(self.roles)}
        if self.supplier_id:
            claims["supplier_id"] = self.supplier_id
        return claims


ANONYMOUS_IDENTITY = Identity(subject=ANONYMOUS)


def sign_identity(identity: Identity, secret: str, *, ttl_seconds: int = 300) -> str:
    """The header value the gateway sends for this identity."""
    now = int(time.time())
    claims = identity.claims() | {"iss": ISSUER, "iat": now, "exp": now + ttl_seconds}
    return jwt.encode(claims, secret, algorithm="HS256")


def verify_identity(token: str, secret: str) -> Identity:
    """Check the gateway's signature and expiry; raises InvalidIdentity."""
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], issuer=ISSUER, options={"require": ["exp", "sub"]})
    except jwt.PyJWTError as exc:
        raise InvalidIdentity(str(exc)) from exc
    roles = claims.get("roles", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise InvalidIdentity("roles must be a list of strings")
    return Identity(subject=str(claims["sub"]), roles=frozenset(roles), supplier_id=claims.get("supplier_id"))


class IdentityVerifier:
    """Verifies identity headers, remembering recent good ones so the hot path skips the HMAC."""

    def __init__(self, secret: str, *, cache_size: int = 4096):
        self._secret = secret
        self._cache: dict[str, tuple[Identity, float]] = {}
        self._cache_size = cache_size

    def verify(self, token: str) -> Identity:
        cached = self._cache.get(token)
        if cached and cached[1] > time.time():
            return cached[0]
        identity = verify_identity(token, self._secret)
        expires = jwt.decode(token, options={"verify_signature": False})["exp"]
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        self._cache[token] = (identity, float(expires))
        return identity
