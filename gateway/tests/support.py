"""Test helpers: in-process uvicorn servers, fake services and a fake identity provider."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import socket
import tempfile
import time
from collections.abc import AsyncIterator

import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from servicekit.identity import IDENTITY_HEADER, IdentitySigner, InvalidIdentity, KeySet, private_pem, verify_identity
from servicekit.testing import PATIENCE_SECONDS

# The gateway under test signs identities with this key; the fake services trust only its public half.
IDENTITY_SIGNER = IdentitySigner(Ed25519PrivateKey.generate())
IDENTITY_KEYS = KeySet.of(IDENTITY_SIGNER.jwks())
IDENTITY_KEY_FILE = f"{tempfile.mkdtemp(prefix='gateway-identity-')}/identity-key.pem"
with open(IDENTITY_KEY_FILE, "wb") as _out:
    _out.write(private_pem(IDENTITY_SIGNER.key))
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
EXPORT_ROWS = 20_000
# Set by a fake service's upload route when the first part of a body reaches it, by the request's `mark`.
BODY_STARTED: dict[str, asyncio.Event] = {}


@contextlib.asynccontextmanager
async def serve(app, **config) -> AsyncIterator[str]:
    """Run an ASGI app with uvicorn on a free loopback port; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, **config))
    # uvicorn would otherwise take over Ctrl-C handling for the whole test run.
    server.capture_signals = contextlib.nullcontext
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


def closed_port_url() -> str:
    """A loopback URL nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextlib.asynccontextmanager
async def garbage_server() -> AsyncIterator[str]:
    """A server that answers every request with something that is not HTTP."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"SURPRISE this is not http\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        await server.wait_closed()


def service_document(service: str, resource: str, problem_fields: list[str]) -> dict:
    """A small OpenAPI document like a service would publish."""
    return {
        "openapi": "3.1.0", "info": {"title": service, "version": "1"},
        "paths": {
            f"/api/v1/{resource}": {"get": {"tags": [service], "operationId": f"list_{resource}", "parameters": [
                {"name": "x-marketplace-identity", "in": "header", "schema": {"type": "string"}},
                {"name": "page", "in": "query", "schema": {"type": "integer"}}], "responses": {
                "200": {"description": "ok", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Page"}}}},
                "404": {"description": "no", "content": {"application/problem+json": {
                    "schema": {"$ref": "#/components/schemas/Problem"}}}}}}},
            "/healthz": {"get": {"responses": {"200": {"description": "ok"}}}},
        },
        "components": {"schemas": {
            "Problem": {"type": "object", "properties": {name: {"type": "string"} for name in problem_fields}},
            "Page": {"type": "object", "properties": {"items": {"type": "array"},
                                                      "error": {"$ref": "#/components/schemas/Problem"}}},
            "Money": {"type": "object", "properties": {"amount": {"type": "string"}}},
        }},
        "tags": [{"name": service}],
    }


def fake_service(service: str, resource: str, problem_fields: list[str]) -> Starlette:
    """A service that echoes what it received and checks the gateway's identity header."""

    async def echo(request: Request) -> Response:
        header = request.headers.get(IDENTITY_HEADER)
        try:
            identity = verify_identity(header, IDENTITY_KEYS, audience=service).claims() if header else None
        except InvalidIdentity as exc:
            return JSONResponse({"detail": str(exc)}, status_code=401)
        body = await request.body()
        return JSONResponse({
            "service": service, "method": request.method, "path": request.url.path,
            "raw_path": request.scope["raw_path"].decode(), "query": request.scope["query_string"].decode(),
            "headers": [[k.decode(), v.decode()] for k, v in request.scope["headers"]],
            "identity": identity, "body_length": len(body), "body_sha": hashlib.sha256(body).hexdigest(),
            "body_head": body[:200].decode("latin-1"),
        }, headers={"x-request-id": "upstream-echo", "connection": "keep-alive", "x-upstream": service})

    async def slow(request: Request) -> Response:
        await asyncio.sleep(float(request.query_params.get("seconds", "3")))
        return JSONResponse({"slow": True})

    async def upload(request: Request) -> Response:
        started, digest, length = BODY_STARTED.setdefault(request.query_params["mark"], asyncio.Event()), \
            hashlib.sha256(), 0
        async for chunk in request.stream():
            started.set()
            digest.update(chunk)
            length += len(chunk)
        return JSONResponse({"body_length": length, "body_sha": digest.hexdigest()})

    async def export(request: Request) -> Response:
        async def rows():
            yield b"id,name\n"
            for start in range(0, EXPORT_ROWS, 1000):
                yield b"".join(b"%d,entry %d\n" % (i, i) for i in range(start, start + 1000))
                await asyncio.sleep(0)
        return StreamingResponse(rows(), media_type="text/csv")

    async def openapi(request: Request) -> Response:
        try:
            verify_identity(request.headers.get(IDENTITY_HEADER, ""), IDENTITY_KEYS, audience=service)
        except InvalidIdentity as exc:
            return JSONResponse({"detail": str(exc)}, status_code=401)
        return JSONResponse(service_document(service, resource, problem_fields))

    return Starlette(routes=[
        Route(f"/api/v1/{resource}/slow", slow),
        Route(f"/api/v1/{resource}/export.csv", export),
        Route(f"/api/v1/{resource}/upload", upload, methods=["PUT"]),
        Route("/openapi.json", openapi),
        Route("/healthz", lambda request: JSONResponse({"status": "ok"})),
        Route("/{path:path}", echo, methods=ALL_METHODS),
    ])


class FakeIdentityProvider:
    """An external IdP: one RSA key, published as a JWKS."""

    def __init__(self, issuer: str = "https://idp.example", audience: str = "marketplace-api"):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "idp-key-1"
        self.issuer, self.audience = issuer, audience
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        self.jwks = {"keys": [jwk | {"kid": self.kid, "use": "sig", "alg": "RS256"}]}
        self.app = Starlette(routes=[Route("/jwks.json", lambda request: JSONResponse(self.jwks))])

    def token(self, subject: str, roles, *, key=None, ttl: int = 600, **claims) -> str:
        now = int(time.time())
        body = {"sub": subject, "roles": roles, "iss": self.issuer, "aud": self.audience, "iat": now,
                "exp": now + ttl} | claims
        return jwt.encode(body, key or self.key, algorithm="RS256", headers={"kid": self.kid})


class RecordingService:
    """A service that counts the requests it saw whole, and can hold requests until released."""

    def __init__(self) -> None:
        self.completed: list[int] = []  # body lengths of requests whose body arrived in full
        self.held = 0
        self.release = asyncio.Event()

    @property
    def app(self) -> Starlette:
        async def record(request: Request) -> Response:
            body = await request.body()
            self.completed.append(len(body))
            return JSONResponse({"body_length": len(body)})

        async def hold(request: Request) -> Response:
            self.held += 1
            await self.release.wait()
            return JSONResponse({"held": True})

        return Starlette(routes=[Route("/api/v1/{resource}/held", hold), Route("/healthz", lambda r: JSONResponse({})),
                                 Route("/{path:path}", record, methods=ALL_METHODS)])


async def raw_exchange(url: str, head: str, *parts: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send a hand-written request (head, then body parts), stall, and read the answer to EOF.

    For what an HTTP client library will not send: a Content-Length it never delivers, a body that
    stops halfway. The answer is read while the request is still unfinished.
    """
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(head.replace("\n", "\r\n").encode() + b"\r\n")
        for part in parts:
            writer.write(part)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), PATIENCE_SECONDS)
    finally:
        writer.close()
    top, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = top.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), {k.lower(): v for k, v in headers.items()}, body


def chunk(data: bytes) -> bytes:
    """One chunk of a chunked transfer-encoded body."""
    return b"%x\r\n%s\r\n" % (len(data), data)
