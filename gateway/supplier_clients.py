"""Supplier API clients: their credentials live in the suppliers service, which the gateway asks."""

from __future__ import annotations

import logging
from collections.abc import Callable

import aiohttp

from gateway.auth import Client
from servicekit.identity import IDENTITY_HEADER, INTERNAL_ROLE, Identity, sign_identity
from servicekit.problems import Problem

SUPPLIER_CLIENT_PREFIX = "sup_"
GATEWAY_IDENTITY = Identity(subject="gateway", roles=frozenset({INTERNAL_ROLE}))
log = logging.getLogger("gateway.supplier_clients")


class SupplierClientStore:
    """Checks `sup_...` client credentials with the suppliers service (its internal verify route)."""

    def __init__(self, *, suppliers_url: str, identity_secret: str,
                 session: Callable[[], aiohttp.ClientSession], timeout_seconds: float = 5.0):
        self.verify_url = suppliers_url.rstrip("/") + "/internal/clients/verify"
        self.identity_secret = identity_secret
        self.session = session
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    async def authenticate(self, client_id: str, secret: str) -> Client | None:
        """The supplier's client when the suppliers service accepts the secret, else None."""
        if not client_id.startswith(SUPPLIER_CLIENT_PREFIX):
            return None
        headers = {IDENTITY_HEADER: sign_identity(GATEWAY_IDENTITY, self.identity_secret, ttl_seconds=60)}
        try:
            async with self.session().post(self.verify_url, json={"client_id": client_id, "client_secret": secret},
                                           headers=headers, timeout=self.timeout) as response:
                if response.status == 401:
                    return None
                if response.status != 200:
                    raise Problem(503, "supplier credentials cannot be checked right now", kind="upstream-unavailable")
                found = await response.json()
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("suppliers service unreachable for a client check: %s", exc)
            raise Problem(503, "supplier credentials cannot be checked right now",
                          kind="upstream-unavailable") from exc
        return Client(found["client_id"], frozenset(found["roles"]), found["supplier_id"])
