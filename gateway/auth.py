"""API clients of the development token issuer: hashed secrets, client stores, and a CLI.

Run `python -m gateway.auth hash-secret <secret>` to get the `secret_hash` for a clients file.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import functools
import hashlib
import hmac
import json
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from servicekit.identity import ROLES

HASH_SCHEME = "pbkdf2_sha256"
# OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256.
DEFAULT_ITERATIONS = 600_000
DEV_CLIENTS = {"admin": ["admin"], "assessor": ["assessor"], "buyer": ["buyer"], "partner": ["partner"]}
# The development buyer acts for this agency.
DEV_BUYER_AGENCY = "Ministry of Social Development"


def dev_secret(client_id: str) -> str:
    """The well-known development secret of a seeded client."""
    return f"{client_id}-dev-secret"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_secret(secret: str, *, iterations: int = DEFAULT_ITERATIONS, salt: bytes | None = None) -> str:
    """`pbkdf2_sha256$<iterations>$<salt>$<hash>` for a client secret."""
    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, iterations)
    return f"{HASH_SCHEME}${iterations}${_b64(salt)}${_b64(digest)}"


def verify_secret(secret: str, encoded: str) -> bool:
    """Whether `secret` matches the stored hash, compared in constant time."""
    try:
        scheme, iterations, salt, expected = encoded.split("$")
        if scheme != HASH_SCHEME:
            return False
        digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), _unb64(salt), int(iterations))
        return hmac.compare_digest(digest, _unb64(expected))
    except (ValueError, TypeError):
        return False


@functools.cache
def _dummy_hash() -> str:
    # Checked against when the client id is unknown, so a miss costs as much as a wrong secret.
    return hash_secret("no such client", salt=b"\0" * 16)


def _check(secret: str, encoded: str | None) -> bool:
    return verify_secret(secret, encoded or _dummy_hash()) and encoded is not None


@dataclass(frozen=True)
class Client:
    """An API client allowed to obtain tokens."""

    client_id: str
    roles: frozenset[str] = field(default_factory=frozenset)
    supplier_id: str | None = None
    # The version of the client's secret, for clients whose tokens end when the secret is rotated.
    version: int | None = None
    # A buyer's agency, carried in its tokens and in the identity the services get.
    agency: str | None = None


class ClientStore(Protocol):
    """Somewhere client credentials can be checked (a file, or later the suppliers service)."""

    async def authenticate(self, client_id: str, secret: str) -> Client | None:
        """The client when the secret is right, else None."""
        ...


@dataclass(frozen=True)
class _StoredClient:
    client: Client
    secret_hash: str


class FileClientStore:
    """Clients from a JSON file: {"clients": [{"client_id", "secret_hash", "roles", "supplier_id"?, "agency"?}]}.

    For bootstrap and development: the operator's first admin client lives here; every other client is made
    through the client registry (gateway.registry), where it can be rotated and revoked."""

    def __init__(self, clients: Iterable[_StoredClient]):
        self._clients = {stored.client.client_id: stored for stored in clients}

    @classmethod
    def from_file(cls, path: Path) -> FileClientStore:
        data = json.loads(Path(path).read_text())
        return cls(_parse_client(entry) for entry in data.get("clients", []))

    @property
    def client_ids(self) -> list[str]:
        return sorted(self._clients)

    async def authenticate(self, client_id: str, secret: str) -> Client | None:
        stored = self._clients.get(client_id)
        # PBKDF2 takes a tenth of a second and releases the GIL, so run it off the event loop.
        ok = await asyncio.to_thread(_check, secret, stored.secret_hash if stored else None)
        return stored.client if ok and stored else None

    def clients_accepting_dev_secret(self) -> list[str]:
        """Ids of clients whose secret is still the well-known `<client id>-dev-secret`."""
        return [cid for cid, stored in self._clients.items() if verify_secret(dev_secret(cid), stored.secret_hash)]


def _parse_client(entry: dict) -> _StoredClient:
    roles = entry.get("roles", [])
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"client {entry.get('client_id')!r} has unknown roles {sorted(unknown)}")
    client = Client(str(entry["client_id"]), frozenset(roles), entry.get("supplier_id"), agency=entry.get("agency"))
    return _StoredClient(client, str(entry["secret_hash"]))


class ChainClientStore:
    """Asks each store in turn; the first that knows the client decides."""

    def __init__(self, stores: Sequence[ClientStore]):
        self.stores = list(stores)

    async def authenticate(self, client_id: str, secret: str) -> Client | None:
        for store in self.stores:
            client = await store.authenticate(client_id, secret)
            if client is not None:
                return client
        return None


def dev_clients_document(iterations: int = DEFAULT_ITERATIONS) -> dict:
    """The seeded development clients file, with freshly salted hashes."""
    clients = [{"client_id": cid, "roles": roles, "secret_hash": hash_secret(dev_secret(cid), iterations=iterations)}
               | ({"agency": DEV_BUYER_AGENCY} if "buyer" in roles else {})
               for cid, roles in DEV_CLIENTS.items()]
    return {"clients": clients}


def main(argv: Sequence[str] | None = None) -> int:
    """`hash-secret <secret>` prints a hash; `dev-clients` prints a fresh development clients file."""
    parser = argparse.ArgumentParser(prog="python -m gateway.auth")
    commands = parser.add_subparsers(dest="command", required=True)
    hashing = commands.add_parser("hash-secret", help="hash a client secret for the clients file")
    hashing.add_argument("secret")
    hashing.add_argument("--iterations", type=int, default=DEFAULT_ITERATIONS)
    commands.add_parser("dev-clients", help="print the development clients file")
    args = parser.parse_args(argv)
    if args.command == "hash-secret":
        print(hash_secret(args.secret, iterations=args.iterations))
    else:
        json.dump(dev_clients_document(), sys.stdout, indent=2)
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
