"""The gateway's own endpoints: token issuer, JWKS, merged OpenAPI, docs, health; metrics and readiness."""

from __future__ import annotations

import asyncio
import base64
import binascii
import time
from urllib.parse import parse_qsl, unquote_plus

import aiohttp
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.client_address import client_key
from gateway.ratelimit import rate_limited
from gateway.routes import API_PREFIX
from gateway.state import GatewayState
from servicekit.problems import Problem

MAX_FORM_BYTES = 16384
PROBE_TIMEOUT_SECONDS = 1.0
# RFC 6749 §5.1: token responses must not be cached.
_NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}


def oauth_problem(status: int, error: str, description: str, **headers: str) -> Problem:
    """problem+json that also carries the RFC 6749 `error` and `error_description` members."""
    return Problem(status, description, kind=error.replace("_", "-"), headers=dict(headers) | _NO_STORE,
                   error=error, error_description=description)


def _invalid_client(description: str) -> Problem:
    return oauth_problem(401, "invalid_client", description, **{"www-authenticate": 'Basic realm="marketplace"'})


class Endpoints:
    """Request handlers bound to one gateway's state."""

    def __init__(self, state: GatewayState):
        self.state = state

    def routes(self) -> list[Route]:
        return [
            Route(f"{API_PREFIX}auth/token", self.token, methods=["POST"]),
            Route(f"{API_PREFIX}auth/jwks.json", self.jwks, methods=["GET"]),
            Route(f"{API_PREFIX}openapi.json", self.openapi, methods=["GET"]),
            Route(f"{API_PREFIX}docs", self.docs, methods=["GET"]),
            # Liveness stays public: it says nothing but "ok", and probes and `make run` look for it here.
            Route("/healthz", self.healthz, methods=["GET"]),
            Route(API_PREFIX + "{rest:path}", self.unknown_resource,
                  methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
        ]

    def ops_routes(self) -> list[Route]:
        """The operations port's routes: what the public must not see (upstream states, traffic)."""
        return [
            Route("/healthz", self.healthz, methods=["GET"]),
            Route("/readyz", self.readyz, methods=["GET"]),
            Route("/metrics", self.metrics, methods=["GET"]),
        ]

    async def token(self, request: Request) -> Response:
        """OAuth 2.0 client credentials grant (RFC 6749 §4.4)."""
        if self.state.issuer is None:
            raise Problem(404, "this gateway does not issue tokens; ask the identity provider", kind="not-found")
        _limit(self.state.token_limiter, client_key(request.scope, self.state.addresses))
        form = await _read_form(request)
        grant_type = form.get("grant_type")
        if not grant_type:
            raise oauth_problem(400, "invalid_request", "grant_type is required")
        if grant_type != "client_credentials":
            raise oauth_problem(400, "unsupported_grant_type", "only the client_credentials grant is supported")
        client_id, secret = _client_credentials(request, form)
        # Per client id too: many addresses guessing one client's secret share one budget.
        _limit(self.state.token_client_limiter, "client:" + client_id)
        client = await self.state.clients.authenticate(client_id, secret)
        if client is None:
            raise _invalid_client("unknown client or wrong secret")
        requested = set(form.get("scope", "").split())
        if requested - client.roles:
            raise oauth_problem(400, "invalid_scope", f"the client may not have {sorted(requested - client.roles)}")
        roles = frozenset(requested) or client.roles
        issuer = self.state.issuer
        body = {"access_token": issuer.issue(client, roles), "token_type": "Bearer",
                "expires_in": issuer.ttl_seconds, "scope": " ".join(sorted(roles))}
        return JSONResponse(body, headers=_NO_STORE)

    async def jwks(self, request: Request) -> Response:
        if self.state.issuer is None:
            raise Problem(404, "this gateway does not issue tokens; ask the identity provider", kind="not-found")
        return JSONResponse(self.state.issuer.jwks(), headers={"cache-control": "public, max-age=300"})

    async def openapi(self, request: Request) -> Response:
        anonymous, signer = self.state.authenticator.anonymous(), self.state.signer
        document = await self.state.openapi.document(
            self.state.pools.control(), lambda service: anonymous.identity_header(signer, service, time.time()))
        return Response(document, media_type="application/json")

    async def docs(self, request: Request) -> Response:
        return get_swagger_ui_html(openapi_url=f"{API_PREFIX}openapi.json", title="AI Marketplace API")

    async def healthz(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(self, request: Request) -> Response:
        """200 once the gateway can forward; upstream reachability is reported, not required."""
        session = self.state.pools.control()
        names = list(self.state.routes.upstreams)
        states = await asyncio.gather(*(_probe(session, self.state.routes.upstreams[name]) for name in names))
        return JSONResponse({"status": "ready", "upstreams": dict(zip(names, states, strict=True))})

    async def metrics(self, request: Request) -> Response:
        return Response(self.state.metrics.render(), media_type=self.state.metrics.content_type)

    async def unknown_resource(self, request: Request) -> Response:
        resource = request.path_params["rest"].split("/", 1)[0]
        raise Problem(404, f"no service handles {API_PREFIX}{resource}", kind="not-found")


def _limit(limiter, key: str) -> None:
    wait = limiter.take(key)
    if wait:
        raise rate_limited(wait, "token requests")


async def _read_form(request: Request) -> dict[str, str]:
    """The urlencoded form, refusing repeated parameters (RFC 6749 §3.2)."""
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise oauth_problem(400, "invalid_request", "send the parameters as application/x-www-form-urlencoded")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise oauth_problem(400, "invalid_request", "the form is too large")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        raise oauth_problem(400, "invalid_request", "the form could not be parsed") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise oauth_problem(400, "invalid_request", f"{name} is given more than once")
        form[name] = value
    return form


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
    """Client id and secret from HTTP Basic (RFC 6749 §2.3.1) or the form, but not both."""
    authorization = request.headers.get("authorization")
    if authorization is None:
        if not form.get("client_id") or "client_secret" not in form:
            raise _invalid_client("client authentication is required")
        return form["client_id"], form["client_secret"]
    if "client_secret" in form:
        raise oauth_problem(400, "invalid_request", "use one client authentication method, not two")
    scheme, _, encoded = authorization.partition(" ")
    try:
        if scheme.lower() != "basic":
            raise ValueError("not Basic")
        client_id, colon, secret = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
        if not colon:
            raise ValueError("no colon")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _invalid_client("the Authorization header must be HTTP Basic with the client id and secret") from None
    client_id, secret = unquote_plus(client_id), unquote_plus(secret)
    if form.get("client_id") not in (None, client_id):
        raise oauth_problem(400, "invalid_request", "client_id in the form differs from the Basic credentials")
    return client_id, secret


async def _probe(session: aiohttp.ClientSession, base_url: str) -> str:
    # Any HTTP answer means the service is reachable; whether it is healthy is its own business.
    try:
        async with session.get(f"{base_url}/healthz", timeout=aiohttp.ClientTimeout(total=PROBE_TIMEOUT_SECONDS)) as r:
            return "up" if r.status < 500 else "down"
    except (aiohttp.ClientError, TimeoutError):
        return "down"
