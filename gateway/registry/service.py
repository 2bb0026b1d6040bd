"""The client registry: admins make, list, rotate and revoke API clients; the token endpoint checks them.

Each client lives in the gateway's own database. Its secret is made here, shown once and stored as a
PBKDF2 hash. A rotation raises the secret's version and a revocation ends the client; the tokens issued
before either stop working within the revocation window (supplier_clients.ClientRevocations), because
each token carries the version it was issued for and the gateway compares it with `standing`.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth import Client, hash_secret, verify_secret
from gateway.registry.models import CLIENT_PREFIX, ApiClient, ClientCreate, ClientPublic, ClientWithSecret
from gateway.supplier_clients import ClientStanding
from servicekit.db import Database, database_unavailable, unavailable_problem
from servicekit.migrations import upgrade_to_head
from servicekit.pagination import paginate
from servicekit.problems import Problem, conflict, not_found

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
log = logging.getLogger("gateway.registry")


def new_secret() -> str:
    # 256 bits: as strong as the hash that keeps it.
    return secrets.token_urlsafe(32)


class ClientRegistry:
    """The registry over one database (SQLite by default, PostgreSQL by URL)."""

    def __init__(self, database: Database, *, hash_iterations: int | None = None):
        self.database = database
        self.hash_options = {"iterations": hash_iterations} if hash_iterations else {}

    async def migrate(self) -> None:
        await upgrade_to_head(self.database, MIGRATIONS)

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        """A transaction whose database being away is a 503, not a 500."""
        try:
            async with self.database.transaction() as session:
                yield session
        except Exception as exc:
            if isinstance(exc, Problem) or not database_unavailable(exc):
                raise
            log.warning("client registry database unavailable: %s", exc)
            raise unavailable_problem() from exc

    async def _hash(self, secret: str) -> str:
        # PBKDF2 takes a tenth of a second and releases the GIL: off the event loop.
        return await asyncio.to_thread(hash_secret, secret, **self.hash_options)

    async def create(self, client_in: ClientCreate, *, actor: str) -> ClientWithSecret:
        secret = new_secret()
        now = datetime.now(UTC)
        client = ApiClient(id=CLIENT_PREFIX + secrets.token_hex(8), name=client_in.name, role=client_in.role,
                           agency=client_in.agency, secret_hash=await self._hash(secret), secret_version=1,
                           status="active", created_by=actor, created_at=now, updated_at=now, revoked_at=None)
        async with self._transaction() as session:
            session.add(client)
        return ClientWithSecret(**ClientPublic.of(client).model_dump(), client_secret=secret)

    async def list_page(self, *, cursor: str | None, limit: int, role: str | None,
                        status: str | None) -> tuple[list[ClientPublic], str | None]:
        statement = select(ApiClient)
        if role:
            statement = statement.where(ApiClient.role == role)
        if status:
            statement = statement.where(ApiClient.status == status)
        async with self._transaction() as session:
            rows, next_cursor = await paginate(session, statement, order=[ApiClient.created_at, ApiClient.id],
                                               cursor=cursor, limit=limit)
        return [ClientPublic.of(row) for row in rows], next_cursor

    async def get(self, client_id: str) -> ClientPublic:
        async with self._transaction() as session:
            return ClientPublic.of(await self._found(session, client_id))

    async def rotate(self, client_id: str) -> ClientWithSecret:
        """A new secret; the old one and the tokens issued for it stop working."""
        secret = new_secret()
        secret_hash = await self._hash(secret)
        async with self._transaction() as session:
            client = await self._found(session, client_id, for_update=True)
            if client.status != "active":
                raise conflict("a revoked client cannot be rotated; make a new one", current_state=client.status)
            client.secret_hash, client.secret_version = secret_hash, client.secret_version + 1
            client.updated_at = datetime.now(UTC)
            session.add(client)
        return ClientWithSecret(**ClientPublic.of(client).model_dump(), client_secret=secret)

    async def revoke(self, client_id: str) -> ClientPublic:
        """The client may no longer sign in and its tokens stop working; revoking twice changes nothing."""
        async with self._transaction() as session:
            client = await self._found(session, client_id, for_update=True)
            if client.status != "revoked":
                client.status, client.revoked_at = "revoked", datetime.now(UTC)
                client.updated_at = client.revoked_at
                session.add(client)
        return ClientPublic.of(client)

    async def authenticate(self, client_id: str, secret: str) -> Client | None:
        """The client store of the token endpoint: an active registry client whose secret is right."""
        if not client_id.startswith(CLIENT_PREFIX):
            return None
        async with self._transaction() as session:
            client = await session.get(ApiClient, client_id)
        if client is None or client.status != "active":
            return None
        if not await asyncio.to_thread(verify_secret, secret, client.secret_hash):
            return None
        return Client(client.id, frozenset({client.role}), version=client.secret_version, agency=client.agency)

    async def standing(self, client_id: str) -> ClientStanding | None:
        """The version of the client's secret now and whether it may sign in (None: no such client)."""
        async with self._transaction() as session:
            client = await session.get(ApiClient, client_id)
        if client is None:
            return None
        return ClientStanding(version=client.secret_version, may_sign_in=client.status == "active")

    @staticmethod
    async def _found(session: AsyncSession, client_id: str, *, for_update: bool = False) -> ApiClient:
        client = await session.get(ApiClient, client_id, with_for_update=for_update)
        if client is None:
            raise not_found("client", client_id)
        return client
