"""The caller's identity as the gateway vouches for it.

The gateway verifies the caller's bearer token, then forwards the identity to the owning service in one
header: a JWT signed with an Ed25519 key (EdDSA) that only the gateway holds, naming that service as its
audience and living at most a minute. Services verify it with the gateway's public keys (a JWKS file or
URL) and accept no request without it, so nothing reaches them around the gateway, and a service that is
broken into can neither mint identities nor replay a header it was sent to another service.

Key rotation: the JWKS may hold several keys, each with its `kid`; the gateway signs with one and names
it in the header. Publish the new key beside the old one, switch the gateway, then drop the old key.
Run `python -m servicekit.identity --help` to make a key and its JWKS.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import logging
import os
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

IDENTITY_HEADER = "x-marketplace-identity"
REQUEST_ID_HEADER = "x-request-id"
ISSUER = "marketplace-gateway"
ROLES = ("admin", "assessor", "buyer", "supplier", "partner")
ANONYMOUS = "anonymous"
# Carried only by the gateway's own calls to services (never in a token: the gateway keeps ROLES only).
INTERNAL_ROLE = "gateway-internal"
ALGORITHM = "EdDSA"
# A header lives a minute at most: long enough to re-use on the hot path, short enough that a leaked one dies soon.
MAX_TTL_SECONDS = 60
# Clock skew tolerated between the gateway and a service.
LEEWAY_SECONDS = 5
# A JWKS that names an unknown key is fetched again at most this often (a URL) or when it changed (a file).
JWKS_REFRESH_SECONDS = 10.0
log = logging.getLogger("servicekit.identity")


class InvalidIdentity(Exception):
    """The identity header is missing, forged, meant for another service or expired."""


class UnknownKey(InvalidIdentity):
    """The header names a key the service does not have (yet): the key set may be worth reloading."""


def agency_key(agency: str) -> str:
    """An agency's name as compared: letter case and spacing do not make another agency."""
    return " ".join(agency.split()).casefold()


@dataclass(frozen=True)
class Identity:
    """Who is calling: a client id, its roles, for a supplier the supplier it acts for, for a buyer its agency."""

    subject: str
    roles: frozenset[str] = field(default_factory=frozenset)
    supplier_id: str | None = None
    # The public-service agency a buyer's client is bound to (the gateway's client registry, or a claim of
    # the identity provider's token); what a buyer registers is registered for this agency.
    agency: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.subject == ANONYMOUS

    def has_role(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)

    def of_agency(self, agency: str | None) -> bool:
        """Whether the caller is bound to this agency (never when either is unknown)."""
        return bool(self.agency and agency) and agency_key(self.agency) == agency_key(agency)

    def claims(self) -> dict:
        claims = {"sub": self.subject, "roles": sorted(self.roles)}
        if self.supplier_id:
            claims["supplier_id"] = self.supplier_id
        if self.agency:
            claims["agency"] = self.agency
        return claims


ANONYMOUS_IDENTITY = Identity(subject=ANONYMOUS)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def public_jwk(key: Ed25519PublicKey) -> dict:
    """The public key as a JWK with its RFC 7638 thumbprint as `kid`."""
    x = _b64(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
    required = {"crv": "Ed25519", "kty": "OKP", "x": x}
    kid = _b64(hashlib.sha256(json.dumps(required, separators=(",", ":"), sort_keys=True).encode()).digest())
    return required | {"kid": kid, "use": "sig", "alg": ALGORITHM}


class IdentitySigner:
    """The gateway's private key: signs identity headers, one audience (service) each."""

    def __init__(self, key: Ed25519PrivateKey):
        self.key = key
        self.jwk = public_jwk(key.public_key())
        self.kid = self.jwk["kid"]

    @classmethod
    def from_file(cls, path: Path) -> IdentitySigner:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key (make one: python -m servicekit.identity key)")
        return cls(key)

    def jwks(self) -> dict:
        return {"keys": [self.jwk]}

    def sign(self, identity: Identity, *, audience: str, ttl_seconds: int = MAX_TTL_SECONDS) -> str:
        if ttl_seconds > MAX_TTL_SECONDS:
            raise ValueError(f"an identity header lives at most {MAX_TTL_SECONDS} s")
        now = int(time.time())
        claims = identity.claims() | {"iss": ISSUER, "aud": audience, "iat": now, "exp": now + ttl_seconds}
        return jwt.encode(claims, self.key, algorithm=ALGORITHM, headers={"kid": self.kid})


def sign_identity(identity: Identity, signer: IdentitySigner, *, audience: str,
                  ttl_seconds: int = MAX_TTL_SECONDS) -> str:
    """The header value the gateway sends to `audience` (a service's name) for this identity."""
    return signer.sign(identity, audience=audience, ttl_seconds=ttl_seconds)


def _keys_of(document: dict) -> dict[str, Ed25519PublicKey]:
    keys = {}
    for jwk in document.get("keys", []):
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not jwk.get("kid"):
            continue  # only the gateway's kind of key counts; anything else in the set is ignored
        keys[jwk["kid"]] = jwt.algorithms.OKPAlgorithm.from_jwk(jwk)
    return keys


class KeySet:
    """The gateway's public keys by kid, from a JWKS file (re-read when it changes) or an http(s) URL."""

    def __init__(self, source: str | Path, *, required: bool = False, refresh_seconds: float = JWKS_REFRESH_SECONDS):
        """`required`: a file must be there with at least one key now (outside development), else ValueError."""
        self.source = str(source)
        self.is_url = self.source.startswith(("https://", "http://"))
        self.refresh_seconds = refresh_seconds
        self.keys: dict[str, Ed25519PublicKey] = {}
        self._seen: tuple | None = None
        self._fetched_at = float("-inf")
        if not self.is_url:
            self.reload()
            if required and not self.keys:
                raise ValueError(f"no Ed25519 key could be read from the identity JWKS {self.source}")

    @classmethod
    def of(cls, document: dict) -> KeySet:
        """A fixed key set (tests, tools)."""
        keys = cls.__new__(cls)
        keys.source, keys.is_url, keys.refresh_seconds, keys._seen = "", False, 0.0, None
        keys._fetched_at = float("inf")
        keys.keys = _keys_of(document)
        return keys

    def reload(self) -> bool:
        """Re-read a file that changed (a URL: at most every refresh_seconds); whether the keys may have changed."""
        if not self.source:
            return False
        if self.is_url:
            if time.monotonic() - self._fetched_at < self.refresh_seconds:
                return False
            self._fetched_at = time.monotonic()
            try:
                with urllib.request.urlopen(self.source, timeout=5) as response:  # noqa: S310 (http(s) only)
                    self.keys = _keys_of(json.load(response))
            except (OSError, ValueError, jwt.PyJWTError) as exc:
                log.warning("identity keys could not be fetched from %s: %s", self.source, exc)
                return False
            return True
        try:
            stat = os.stat(self.source)
        except FileNotFoundError:
            return False  # in development the gateway writes it when it first starts
        seen = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if seen == self._seen:
            return False
        try:
            self.keys = _keys_of(json.loads(Path(self.source).read_text()))
        except (OSError, ValueError, jwt.PyJWTError) as exc:
            # Keep the keys we had: a half-written or broken file must not lock every caller out.
            log.warning("identity keys could not be read from %s: %s", self.source, exc)
            return False
        self._seen = seen
        return True

    async def refresh(self) -> bool:
        if self.is_url:
            return await asyncio.to_thread(self.reload)
        return self.reload()


def verify_identity(token: str, keys: KeySet, *, audience: str) -> Identity:
    """Check the gateway's signature, the audience and the expiry; raises InvalidIdentity."""
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM:
            raise InvalidIdentity(f"the identity must be signed with {ALGORITHM}, not {header.get('alg')}")
        key = keys.keys.get(header.get("kid", ""))
        if key is None:
            raise UnknownKey("the identity is signed with a key this service does not know")
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], issuer=ISSUER, audience=audience,
                            leeway=LEEWAY_SECONDS, options={"require": ["exp", "iat", "sub", "aud"]})
    except jwt.PyJWTError as exc:
        raise InvalidIdentity(str(exc)) from exc
    if not isinstance(claims["aud"], str):
        raise InvalidIdentity("the identity must name one audience")
    if claims["exp"] - claims["iat"] > MAX_TTL_SECONDS:
        raise InvalidIdentity(f"the identity lives longer than {MAX_TTL_SECONDS} s")
    roles = claims.get("roles", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise InvalidIdentity("roles must be a list of strings")
    agency = claims.get("agency")
    if agency is not None and not isinstance(agency, str):
        raise InvalidIdentity("agency must be a string")
    return Identity(subject=str(claims["sub"]), roles=frozenset(roles), supplier_id=claims.get("supplier_id"),
                    agency=agency or None)


class IdentityVerifier:
    """Verifies identity headers for one service, remembering recent good ones so the hot path skips the signature."""

    def __init__(self, keys: KeySet, *, audience: str, cache_size: int = 4096):
        self.keys = keys
        self.audience = audience
        self._cache: dict[str, tuple[Identity, float]] = {}
        self._cache_size = cache_size

    def verify(self, token: str) -> Identity:
        cached = self._cache.get(token)
        if cached and cached[1] > time.time():
            return cached[0]
        identity = verify_identity(token, self.keys, audience=self.audience)
        expires = jwt.decode(token, options={"verify_signature": False})["exp"]
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        self._cache[token] = (identity, float(expires))
        return identity

    async def verify_fresh(self, token: str) -> Identity:
        """verify, reloading the key set once when the header names a key not seen yet (a rotation)."""
        try:
            return self.verify(token)
        except UnknownKey:
            if not await self.keys.refresh():
                raise
        return self.verify(token)


# Development: the gateway makes a key pair here on first start; the services read the public half.
DEV_KEY_DIR = Path(__file__).resolve().parent.parent / "var" / "identity"
DEV_PRIVATE_KEY = DEV_KEY_DIR / "dev-identity-key.pem"
DEV_JWKS = DEV_KEY_DIR / "dev-identity-jwks.json"


def private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def development_signer(private_path: Path = DEV_PRIVATE_KEY, jwks_path: Path = DEV_JWKS) -> IdentitySigner:
    """The development key pair, made on first use; safe when several processes start at once."""
    private_path.parent.mkdir(parents=True, exist_ok=True)
    if not private_path.exists():
        candidate = private_path.with_name(f".{private_path.name}.{os.getpid()}.{time.monotonic_ns()}")
        candidate.write_bytes(private_pem(Ed25519PrivateKey.generate()))
        candidate.chmod(0o600)
        try:
            os.link(candidate, private_path)  # fails if another process got there first: its key wins
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    signer = IdentitySigner.from_file(private_path)
    _write_jwks(jwks_path, signer.jwks())
    return signer


def _write_jwks(path: Path, document: dict) -> None:
    text = json.dumps(document, indent=2) + "\n"
    if path.exists() and path.read_text() == text:
        return
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{time.monotonic_ns()}")
    temporary.write_text(text)
    os.replace(temporary, path)


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m servicekit.identity",
                                     description="Make the gateway's identity signing key and the services' JWKS.")
    commands = parser.add_subparsers(dest="command", required=True)
    key = commands.add_parser("key", help="write a new Ed25519 private key (PEM) for the gateway")
    key.add_argument("path", type=Path)
    jwks = commands.add_parser("jwks", help="print the JWKS of one or more keys (the new one and the old ones)")
    jwks.add_argument("paths", type=Path, nargs="+")
    arguments = parser.parse_args(argv)
    if arguments.command == "key":
        descriptor = os.open(arguments.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(private_pem(Ed25519PrivateKey.generate()))
        return 0
    document = {"keys": [IdentitySigner.from_file(path).jwk for path in arguments.paths]}
    sys.stdout.write(json.dumps(document, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(_main())
