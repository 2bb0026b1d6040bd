"""Supplier API clients: their credentials live in the suppliers service, which the gateway asks; and the
revocation check of every client whose tokens end when its secret is rotated or it is revoked.

A supplier's access token carries the version of the client secret it was issued for. On every request
the gateway checks that version against the suppliers service (cached briefly), so a token stops working
soon after the secret is rotated or the supplier may no longer sign in (deregistered, say).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import aiohttp

from gateway.auth import Client
from gateway.tokens import Principal
from servicekit.identity import IDENTITY_HEADER, INTERNAL_ROLE, Identity, IdentitySigner, sign_identity
from servicekit.problems import Problem

SUPPLIER_CLIENT_PREFIX = "sup_"
SUPPLIERS = "suppliers"
GATEWAY_IDENTITY = Identity(subject="gateway", roles=frozenset({INTERNAL_ROLE}))
log = logging.getLogger("gateway.supplier_clients")


def _unavailable() -> Problem:
    return Problem(503, "supplier credentials cannot be checked right now", kind="upstream-unavailable")


@dataclass(frozen=True)
class ClientStanding:
    """What the suppliers service says of a client now: its secret version and whether it may sign in."""

    version: int
    may_sign_in: bool


class SupplierClientStore:
    """Checks `sup_...` client credentials with the suppliers service (its internal client routes)."""

    def __init__(self, *, suppliers_url: str, signer: IdentitySigner,
                 session: Callable[[], aiohttp.ClientSession], timeout_seconds: float = 5.0):
        self.clients_url = suppliers_url.rstrip("/") + "/internal/clients"
        self.signer = signer
        self.session = session
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    def _headers(self) -> dict[str, str]:
        return {IDENTITY_HEADER: sign_identity(GATEWAY_IDENTITY, self.signer, audience=SUPPLIERS)}

    async def authenticate(self, client_id: str, secret: str) -> Client | None:
        """The supplier's client when the suppliers service accepts the secret, else None."""
        if not client_id.startswith(SUPPLIER_CLIENT_PREFIX):
            return None
        found = await self._ask("post", "/verify", "a client check", absent=401,
                                json={"client_id": client_id, "client_secret": secret})
        if found is None:
            return None
        try:
            return Client(found["client_id"], frozenset(found["roles"]), found["supplier_id"],
                          version=int(found["version"]))
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("suppliers service answered a client check with %s", exc)
            raise _unavailable() from exc

    async def standing(self, client_id: str) -> ClientStanding | None:
        """The client's current standing; None when the suppliers service does not know it."""
        found = await self._ask("get", f"/{client_id}", "a client's standing", absent=404)
        if found is None:
            return None
        try:
            return ClientStanding(version=int(found["version"]), may_sign_in=found["may_sign_in"] is True)
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("suppliers service answered a client's standing with %s", exc)
            raise _unavailable() from exc

    async def _ask(self, method: str, path: str, what: str, *, absent: int, json: dict | None = None) -> dict | None:
        """The suppliers service's JSON answer, None for its `absent` status; 503 when it cannot answer."""
        try:
            async with self.session().request(method, self.clients_url + path, headers=self._headers(), json=json,
                                              timeout=self.timeout) as response:
                if response.status == absent:
                    return None
                if response.status != 200:
                    raise _unavailable()
                return await response.json()
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("suppliers service unreachable for %s: %s", what, exc)
            raise _unavailable() from exc


class StandingSource(Protocol):
    """Where the current standing of a kind of client is known (the suppliers service, the client registry)."""

    async def standing(self, client_id: str) -> ClientStanding | None:
        ...


class ClientRevocations:
    """Refuses tokens whose client's secret was rotated since, or whose client may no longer sign in.

    Applies to the clients of each source by their id's prefix: suppliers' (`sup_`, the suppliers service)
    and the client registry's (`cli_`). The standing of each client is cached for `cache_seconds` (at most
    30), so revocation takes effect within that time and a busy client costs one look-up per period;
    concurrent requests of one client share one look-up."""

    def __init__(self, sources: dict[str, StandingSource], *, cache_seconds: float):
        self.sources = sources
        self.prefixes = tuple(sources)
        self.cache_seconds = cache_seconds
        self._standings: dict[str, tuple[ClientStanding | None, float]] = {}
        self._pending: dict[str, asyncio.Future] = {}

    def applies_to(self, principal: Principal) -> bool:
        return principal.identity.subject.startswith(self.prefixes)

    def _source(self, client_id: str) -> StandingSource:
        return next(source for prefix, source in self.sources.items() if client_id.startswith(prefix))

    async def refusal(self, principal: Principal, now: float) -> Problem | None:
        """Why this supplier's token no longer works, or None; raises Problem(503) if that cannot be told."""
        if principal.client_version is None:
            return _revoked("it carries no client version; ask for a new token")
        client_id = principal.identity.subject
        standing = await self._standing(client_id, now)
        if standing is not None and standing.version < principal.client_version:
            # A token newer than what is cached: the secret was rotated since, so the cache is stale.
            standing = await self._standing(client_id, now, fresh=True)
        if standing is None or not standing.may_sign_in:
            return _revoked("the client may no longer sign in")
        if standing.version != principal.client_version:
            return _revoked("the client's secret was rotated after it was issued")
        return None

    async def _standing(self, client_id: str, now: float, *, fresh: bool = False) -> ClientStanding | None:
        cached = self._standings.get(client_id)
        if cached is not None and cached[1] > now and not fresh:
            return cached[0]
        pending = self._pending.get(client_id)
        if pending is None:
            pending = self._pending[client_id] = asyncio.ensure_future(self._source(client_id).standing(client_id))
            pending.add_done_callback(lambda done: self._settle(client_id, done))
        return await asyncio.shield(pending)

    def _settle(self, client_id: str, done: asyncio.Future) -> None:
        self._pending.pop(client_id, None)
        if done.cancelled() or done.exception() is not None:
            return  # not cached: the next request asks again
        if len(self._standings) >= 10_000:
            self._standings.clear()
        self._standings[client_id] = (done.result(), time.time() + self.cache_seconds)


def _revoked(reason: str) -> Problem:
    return Problem(401, f"the bearer token is not valid: {reason}", kind="invalid-token",
                   headers={"www-authenticate": 'Bearer error="invalid_token"'})
