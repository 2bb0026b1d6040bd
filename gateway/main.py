"""The gateway application: `uvicorn gateway.main:app` (settings from `GATEWAY_*` variables)."""

from __future__ import annotations

import gc
import os
import logging
from contextlib import asynccontextmanager

from opentelemetry import trace
from opentelemetry.trace import TracerProvider
from starlette.applications import Starlette

from gateway.auth import ChainClientStore, ClientStore, FileClientStore
from gateway.client_address import ClientAddresses
from gateway.endpoints import Endpoints
from gateway.internal import InternalRequests
from gateway.metrics import GatewayMetrics
from gateway.openapi import OpenApiAggregator
from gateway.ops import OperationsServer
from gateway.pools import UpstreamPools
from gateway.proxy import Proxy
from gateway.ratelimit import TokenBucketLimiter
from gateway.registry.admission import AdminsOnly
from gateway.registry.models import CLIENT_PREFIX
from gateway.registry.routes import CLIENTS_PATH, build_registry_app, registry_document
from gateway.registry.service import ClientRegistry
from gateway.routes import API_PREFIX, RouteTable
from gateway.server import UVICORN_OPTIONS
from gateway.settings import GatewaySettings
from gateway.state import GatewayState
from gateway.supplier_clients import SUPPLIER_CLIENT_PREFIX, ClientRevocations, SupplierClientStore
from gateway.tokens import Authenticator, TokenIssuer, load_or_generate_key
from servicekit.db import Database
from servicekit.identity import DEV_PRIVATE_KEY, IdentitySigner, development_signer
from servicekit.problems import install_problem_handlers
from servicekit.telemetry import configure_tracing

log = logging.getLogger("gateway")
GC_YOUNG_THRESHOLD = 10_000


class Gateway:
    """ASGI app: matched `/api/v1/<resource>` requests go straight to the proxy, the rest to Starlette."""

    def __init__(self, settings: GatewaySettings, *, tracer_provider: TracerProvider | None = None,
                 client_store: ClientStore | None = None):
        self.settings = settings
        # The client registry: only where the gateway issues the tokens (an identity provider keeps its own).
        self.registry = None if settings.jwks_url else ClientRegistry(Database(settings.clients_database_url))
        self.state = state = build_state(settings, tracer_provider=tracer_provider, client_store=client_store,
                                         registry=self.registry)
        self.routes = state.routes
        self.proxy = Proxy(state, always_trace=tracer_provider is not None)
        endpoints = Endpoints(state)
        self.app = Starlette(routes=endpoints.routes(), lifespan=self.lifespan)
        install_problem_handlers(self.app)
        self.internal = InternalRequests(self.app, state)
        self.clients = self.internal if self.registry is None else InternalRequests(
            AdminsOnly(build_registry_app(self.registry), self.proxy), state)
        ops_app = Starlette(routes=endpoints.ops_routes())
        install_problem_handlers(ops_app)
        self.ops = OperationsServer(ops_app, settings.ops_host, settings.ops_port)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            route = self.routes.match(path) if path.startswith(API_PREFIX) else self.routes.match_page(path)
            if route is not None:
                return await self.proxy(scope, receive, send, route)
            if path == CLIENTS_PATH or path.startswith(CLIENTS_PATH + "/"):
                return await self.clients(scope, receive, send)
            return await self.internal(scope, receive, send)
        return await self.app(scope, receive, send)

    @asynccontextmanager
    async def lifespan(self, app=None):
        """Open the upstream sessions and the operations port for the life of the server."""
        # Spans cost work on every request: the gateway records them only when they go somewhere.
        if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
            configure_tracing("gateway")
        pools = self.state.pools
        if self.registry is not None:
            await self.registry.migrate()
        pools.open()
        try:
            await self.ops.start()
        except BaseException:
            await pools.close()
            await self._close_registry()
            raise
        log.info("metrics and readiness on the operations port, %s", self.ops.url)
        thresholds = gc.get_threshold()
        if self.settings.gc_tuning:
            _tune_gc()
        try:
            yield
        finally:
            if self.settings.gc_tuning:
                gc.set_threshold(*thresholds)
                gc.unfreeze()
            await self.ops.stop()
            await pools.close()
            await self._close_registry()

    async def _close_registry(self) -> None:
        if self.registry is not None:
            await self.registry.database.dispose()


def build_state(settings: GatewaySettings, *, tracer_provider: TracerProvider | None = None,
                client_store: ClientStore | None = None, registry: ClientRegistry | None = None) -> GatewayState:
    """Every part of a gateway for these settings, wired together."""
    routes = RouteTable(settings)
    pools = UpstreamPools(settings, [*routes.upstreams, routes.web.service])
    issuer = None if settings.jwks_url else TokenIssuer(
        load_or_generate_key(settings.signing_key_file), issuer=settings.jwt_issuer,
        audience=settings.jwt_audience, ttl_seconds=settings.token_ttl_seconds)
    if issuer and settings.signing_key_file is None and not settings.is_development:
        log.warning("no signing_key_file: tokens will not survive a restart nor verify on another replica")
    signer = _identity_signer(settings)
    suppliers = SupplierClientStore(suppliers_url=settings.suppliers_url, signer=signer, session=pools.control)
    # The bootstrap file first, then the registry's clients (`cli_...`), then the suppliers' (`sup_...`).
    stores = [_file_store(settings), *([registry] if registry else []), suppliers] if issuer else []
    clients = client_store or ChainClientStore(stores)
    # Tokens of the clients that can be rotated or revoked carry their secret's version, checked here.
    standings = {SUPPLIER_CLIENT_PREFIX: suppliers} | ({CLIENT_PREFIX: registry} if registry else {})
    return GatewayState(
        settings=settings, routes=routes, addresses=ClientAddresses(settings.trusted_proxies), pools=pools,
        metrics=GatewayMetrics(settings.upstreams()), tracer=trace.get_tracer("gateway", tracer_provider=tracer_provider),
        issuer=issuer, clients=clients, signer=signer,
        revocations=ClientRevocations(standings, cache_seconds=settings.client_check_cache_seconds) if issuer else None,
        authenticator=Authenticator(
            issuer=settings.jwt_issuer, audience=settings.jwt_audience, leeway=settings.jwt_leeway_seconds,
            issuer_key=issuer, jwks_url=settings.jwks_url, agency_claim=settings.agency_claim),
        limiter=TokenBucketLimiter(settings.rate_limit_per_second, settings.rate_limit_burst),
        token_limiter=TokenBucketLimiter(settings.token_rate_limit_per_second, settings.token_rate_limit_burst),
        token_client_limiter=TokenBucketLimiter(settings.token_client_rate_limit_per_second,
                                                settings.token_client_rate_limit_burst),
        openapi=OpenApiAggregator(routes.upstreams, issues_tokens=issuer is not None,
                                  cache_seconds=settings.openapi_cache_seconds,
                                  clients=registry_document() if registry else None),
    )


def _tune_gc() -> None:
    # Measured under load: with the default thresholds the collector took ~7% of the gateway's CPU,
    # most of it full collections walking the framework objects loaded at startup. Frozen, they are
    # skipped; a larger young generation makes the per-request garbage cheaper to collect.
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 20)


def _identity_signer(settings: GatewaySettings) -> IdentitySigner:
    if settings.is_development and settings.identity_key_file == DEV_PRIVATE_KEY:
        # Made on first start, with the public JWKS beside it that the development services read.
        return development_signer()
    return IdentitySigner.from_file(settings.identity_key_file)


def _file_store(settings: GatewaySettings) -> FileClientStore:
    store = FileClientStore.from_file(settings.clients_file)
    if not settings.is_development:
        weak = store.clients_accepting_dev_secret()
        if weak:
            raise RuntimeError(f"{settings.clients_file} still accepts the development secret of {weak}; "
                               "set real secrets (python -m gateway.auth hash-secret) outside development")
    return store


def create_app(settings: GatewaySettings | None = None, **options) -> Gateway:
    """A gateway for these settings (default: from the environment); options go to Gateway."""
    return Gateway(settings or GatewaySettings(), **options)


app = create_app()

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host=app.settings.host, port=app.settings.port, **UVICORN_OPTIONS)
