"""Access tokens: the development issuer (RS256 JWTs) and the verifier on the request path."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import time
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.auth import Client
from servicekit.identity import ANONYMOUS_IDENTITY, MAX_TTL_SECONDS, ROLES, Identity, IdentitySigner, sign_identity

log = logging.getLogger("gateway.tokens")
ALGORITHMS = ["RS256"]
IDENTITY_TTL_SECONDS = MAX_TTL_SECONDS
# Re-sign the forwarded identity this long before it expires, so a service never sees a stale one.
IDENTITY_REFRESH_MARGIN = 20
# The claim of an access token that carries the client's secret version (see supplier_clients.ClientRevocations).
VERSION_CLAIM = "ver"
# The claim of the gateway's own tokens that names a buyer's agency (an identity provider's may differ:
# settings.agency_claim).
AGENCY_CLAIM = "agency"
MAX_TOKEN_BYTES = 8192
CACHE_SIZE = 10_000


class InvalidToken(Exception):
    """The bearer token is malformed, forged, expired or meant for someone else."""


class KeysUnavailable(Exception):
    """The identity provider's key set could not be fetched, so no verdict on the token."""


def load_or_generate_key(path: Path | None) -> rsa.RSAPrivateKey:
    """The signing key from a PEM file, or a fresh one (tokens then die with the process)."""
    if path is None:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} is not an RSA private key")
    return key


def _thumbprint(public_jwk: dict) -> str:
    # RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace.
    canonical = json.dumps({k: public_jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).decode().rstrip("=")


class TokenIssuer:
    """Signs access tokens for authenticated clients and publishes the public key."""

    def __init__(self, key: rsa.RSAPrivateKey, *, issuer: str, audience: str, ttl_seconds: int):
        self.key = key
        self.public_key = key.public_key()
        public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.public_key))
        self.kid = _thumbprint(public_jwk)
        self.jwk = public_jwk | {"kid": self.kid, "use": "sig", "alg": "RS256"}
        self.issuer, self.audience, self.ttl_seconds = issuer, audience, ttl_seconds

    def issue(self, client: Client, roles: frozenset[str]) -> str:
        """A signed token for this client carrying `roles`."""
        now = int(time.time())
        claims = {"sub": client.client_id, "roles": sorted(roles), "iss": self.issuer, "aud": self.audience,
                  "iat": now, "exp": now + self.ttl_seconds}
        if client.supplier_id:
            claims["supplier_id"] = client.supplier_id
        if client.version is not None:
            claims[VERSION_CLAIM] = client.version
        if client.agency:
            claims[AGENCY_CLAIM] = client.agency
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})

    def jwks(self) -> dict:
        return {"keys": [self.jwk]}


class Principal:
    """A verified caller with its signed identity headers (one per service), cached per bearer token."""

    __slots__ = ("client_version", "expires_at", "headers", "identity", "rate_key")

    def __init__(self, identity: Identity, expires_at: float, rate_key: str, client_version: int | None = None):
        self.identity, self.expires_at, self.rate_key = identity, expires_at, rate_key
        self.client_version = client_version
        # audience -> (header, re-sign after)
        self.headers: dict[str, tuple[str, float]] = {}

    def identity_header(self, signer: IdentitySigner, audience: str, now: float) -> str:
        """The header for `audience`, re-signed only when close to expiry (signing costs ~50 µs)."""
        cached = self.headers.get(audience)
        if cached is not None and now < cached[1]:
            return cached[0]
        ttl = int(max(1, min(IDENTITY_TTL_SECONDS, self.expires_at - now)))
        header = sign_identity(self.identity, signer, audience=audience, ttl_seconds=ttl)
        self.headers[audience] = (header, now + max(ttl - IDENTITY_REFRESH_MARGIN, ttl / 2))
        return header


def identity_from_claims(claims: dict, agency_claim: str = AGENCY_CLAIM) -> Identity:
    """Identity from token claims, keeping only the marketplace's roles; the agency from `agency_claim`."""
    raw = claims.get("roles", [])
    if isinstance(raw, str):
        raw = raw.split()
    roles = {role for role in raw if isinstance(role, str) and role in ROLES} if isinstance(raw, list) else set()
    supplier_id = claims.get("supplier_id")
    supplier_id = str(supplier_id) if supplier_id else None
    if supplier_id is None:
        # The supplier role means nothing without the supplier it acts for.
        roles.discard("supplier")
    agency = claims.get(agency_claim)
    agency = agency.strip() if isinstance(agency, str) and agency.strip() else None
    return Identity(subject=str(claims["sub"]), roles=frozenset(roles), supplier_id=supplier_id, agency=agency)


class Authenticator:
    """Turns an Authorization header into a Principal; RSA runs once per token, not per request."""

    def __init__(self, *, issuer: str, audience: str, leeway: int = 30,
                 issuer_key: TokenIssuer | None = None, jwks_url: str | None = None, agency_claim: str = AGENCY_CLAIM):
        if (issuer_key is None) == (jwks_url is None):
            raise ValueError("verify with exactly one of the gateway's own key or a JWKS URL")
        self.issuer, self.audience, self.leeway = issuer, audience, leeway
        # The gateway's own tokens always say `agency`; an identity provider's say whatever it was set up with.
        self.agency_claim = AGENCY_CLAIM if issuer_key is not None else agency_claim
        self._own = issuer_key
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=300, timeout=5) if jwks_url else None
        self._cache: dict[bytes, Principal] = {}
        self._anonymous = Principal(ANONYMOUS_IDENTITY, float("inf"), "")

    def anonymous(self) -> Principal:
        return self._anonymous

    def cached(self, authorization: bytes, now: float) -> Principal | None:
        """The principal for an already verified, unexpired token."""
        principal = self._cache.get(authorization)
        if principal is not None and principal.expires_at > now:
            return principal
        return None

    async def authenticate(self, authorization: bytes) -> Principal:
        """Verify a bearer Authorization header; raises InvalidToken or KeysUnavailable."""
        token = self._bearer_token(authorization)
        claims = await self._verify(token)
        version = claims.get(VERSION_CLAIM)
        principal = Principal(identity_from_claims(claims, self.agency_claim), float(claims["exp"]), "sub:" + str(claims["sub"]),
                              client_version=version if isinstance(version, int) else None)
        if len(self._cache) >= CACHE_SIZE:
            self._evict(time.time())
        self._cache[authorization] = principal
        return principal

    @staticmethod
    def _bearer_token(authorization: bytes) -> str:
        if len(authorization) > MAX_TOKEN_BYTES:
            raise InvalidToken("the token is too long")
        scheme, _, token = authorization.decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidToken("the Authorization header must be 'Bearer <token>'")
        return token.strip()

    async def _verify(self, token: str) -> dict:
        try:
            if self._jwks is not None:
                # PyJWKClient fetches the key set with blocking I/O; keep it off the event loop.
                key = (await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)).key
            else:
                key = self._own_key(token)
            return jwt.decode(token, key, algorithms=ALGORITHMS, audience=self.audience, issuer=self.issuer,
                              leeway=self.leeway, options={"require": ["exp", "iat", "sub"]})
        except jwt.PyJWKClientConnectionError as exc:
            raise KeysUnavailable(str(exc)) from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc

    def _own_key(self, token: str):
        if jwt.get_unverified_header(token).get("kid") != self._own.kid:
            raise InvalidToken("the token was not signed by this gateway's current key")
        return self._own.public_key

    def forget(self, authorization: bytes) -> None:
        """Drop a cached token (its client was revoked)."""
        self._cache.pop(authorization, None)

    def _evict(self, now: float) -> None:
        expired = [token for token, principal in self._cache.items() if principal.expires_at <= now]
        for token in expired:
            del self._cache[token]
        # Still full of live tokens: drop the oldest half rather than grow without bound.
        if len(self._cache) >= CACHE_SIZE:
            for token in list(self._cache)[: CACHE_SIZE // 2]:
                del self._cache[token]
