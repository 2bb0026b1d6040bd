"""Helpers for tests that run real services: in-process servers, databases, identities."""

from __future__ import annotations

import asyncio
import os
import uuid

import asyncpg
import httpx
import uvicorn
from servicekit.broker import free_port
from servicekit.identity import IDENTITY_HEADER, Identity, IdentitySigner, development_signer, sign_identity

POSTGRES_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"


class RunningServer:
    """An ASGI app served by uvicorn on a loopback port, inside the test's event loop."""

    def __init__(self, app, port: int | None = None):
        self.app = app
        self.port = port or free_port()
        self.server: uvicorn.Server | None = None
        self.task: asyncio.Task | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> RunningServer:
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.server.install_signal_handlers = lambda: None  # the test process keeps its own handlers
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self.task.done():
                self.task.result()
                raise RuntimeError("server stopped during start-up")
            await asyncio.sleep(0.02)
        return self

    async def stop(self) -> None:
        if self.server and self.task:
            self.server.should_exit = True
            await asyncio.wait_for(self.task, 15)
        self.server = self.task = None


def identity_headers(identity: Identity, audience: str, signer: IdentitySigner | None = None) -> dict[str, str]:
    """Headers that make a direct request to the `audience` service look as if the gateway forwarded it
    (signed with the development key, which a service in development trusts)."""
    return {IDENTITY_HEADER: sign_identity(identity, signer or development_signer(), audience=audience)}


class GatewayIdentity(httpx.Auth):
    """httpx auth signing a fresh identity header for each request (a header lives only a minute), unless
    the request brings its own."""

    def __init__(self, identity: Identity, audience: str, signer: IdentitySigner | None = None):
        self.identity, self.audience = identity, audience
        self.signer = signer or development_signer()

    def auth_flow(self, request: httpx.Request):
        if IDENTITY_HEADER not in request.headers:
            request.headers[IDENTITY_HEADER] = sign_identity(self.identity, self.signer, audience=self.audience)
        yield request


async def create_postgres_database(prefix: str) -> str:
    """A fresh, empty PostgreSQL database; returns its SQLAlchemy async URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    connection = await asyncpg.connect(POSTGRES_ADMIN_DSN)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"


async def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    connection = await asyncpg.connect(POSTGRES_ADMIN_DSN)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


# How long a test waits for something that happens by itself (an event projected, a relay caught up). It bounds a
# hang, it is not a speed claim: speed is measured in `make bench`. A busy machine can take many seconds for what a
# quiet one does in milliseconds, so the bound is generous; the poll returns as soon as the condition holds.
PATIENCE_SECONDS = float(os.environ.get("TEST_PATIENCE_SECONDS", "90"))


async def eventually(check, *, timeout: float | None = None, interval: float = 0.05):
    """Poll an async `check` until it returns something truthy; fail after `timeout` (default PATIENCE_SECONDS)."""
    timeout = PATIENCE_SECONDS if timeout is None else timeout
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last result: {result!r})")
        await asyncio.sleep(interval)


class TcpProxy:
    """A TCP forwarder to `target` on a loopback port of its own, which a test can cut and restore.

    Cut, it drops every open connection and refuses new ones, as a database that went away would;
    restored, it listens on the same port again."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.StreamWriter] = set()

    async def start(self) -> TcpProxy:
        self._server = await asyncio.start_server(self._link, "127.0.0.1", self.port, reuse_address=True)
        return self

    async def cut(self) -> None:
        """Refuse new connections and abort the open ones."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._links):
            writer.transport.abort()
        self._links.clear()

    async def restore(self) -> None:
        await self.start()

    async def stop(self) -> None:
        await self.cut()

    async def _link(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            return
        self._links |= {client_writer, upstream_writer}
        await asyncio.gather(self._pipe(client_reader, upstream_writer), self._pipe(upstream_reader, client_writer),
                             return_exceptions=True)
        self._links -= {client_writer, upstream_writer}

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.transport.abort()


def documented_verdicts(document: dict, schema_name: str, model, bodies: list[dict]) -> list[tuple[bool, bool]]:
    """For each body: (the OpenAPI document's schema accepts it, the pydantic model the route parses accepts it).

    A test asserts the two agree, so what a service enforces is what its document says."""
    import jsonschema
    from pydantic import ValidationError

    validator = jsonschema.Draft202012Validator({"$ref": f"#/components/schemas/{schema_name}",
                                                 "components": document["components"]})
    verdicts = []
    for body in bodies:
        try:
            model.model_validate(body)
            enforced = True
        except ValidationError:
            enforced = False
        verdicts.append((validator.is_valid(body), enforced))
    return verdicts
