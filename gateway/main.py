"""The gateway application: `uvicorn gateway.main:app` (settings from `GATEWAY_*` variables)."""

from __future__ import annotations

import gc
import logging
from contextlib import asynccontextmanager
from time import perf_counter

import aiohttp
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, TracerProvider
from starlette.applications import Starlette

from gateway.auth import ChainClientStore, ClientStore, FileClientStore
from gateway.client_address import ClientAddresses
from gateway.endpoints import Endpoints
from gateway.metrics import GatewayMetrics
from gateway.openapi import OpenApiAggregator
from gateway.ops import OperationsServer
from gateway.pools import UpstreamPools
from gateway.proxy import Proxy, client_key, rate_limited, request_id_of
from gateway.ratelimit import TokenBucketLimiter
from gateway.routes import API_PREFIX, RouteTable
from gateway.server import UVICORN_OPTIONS
from gateway.supplier_clients import SupplierClientStore
from gateway.settings import GatewaySettings
from gateway.tokens import Authenticator, TokenIssuer, load_or_generate_key
from servicekit.identity import REQUEST_ID_HEADER
from servicekit.problems import Problem, install_problem_handlers, problem_response

log = logging.getLogger("gateway")
_REQUEST_ID_NAME = REQUEST_ID_HEADER.encode()
GC_YOUNG_THRESHOLD = 10_000
# Internal endpoints get their own metrics label; anything else unmatched shares one.
_INTERNAL_LABELS = {f"{API_PREFIX}auth/token", f"{API_PREFIX}auth/jwks.json", f"{API_PREFIX}openapi.json",
                    f"{API_PREFIX}docs", "/healthz"}


class Gateway:
    """ASGI app: matched `/api/v1/<resource>` requests go straight to the proxy, the rest to Starlette."""

    def __init__(self, settings: GatewaySettings, *, tracer_provider: TracerProvider | None = None,
                 client_store: ClientStore | None = None):
        self.settings = settings
        self.routes = RouteTable(settings)
        self.addresses = ClientAddresses(settings.trusted_proxies)
        self.pools = UpstreamPools(settings, list(self.routes.upstreams))
        self.metrics = GatewayMetrics()
        self.tracer = trace.get_tracer("gateway", tracer_provider=tracer_provider)
        self.issuer = None if settings.jwks_url else TokenIssuer(
            load_or_generate_key(settings.signing_key_file), issuer=settings.jwt_issuer,
            audience=settings.jwt_audience, ttl_seconds=settings.token_ttl_seconds)
        if self.issuer and settings.signing_key_file is None and not settings.is_development:
            log.warning("no signing_key_file: tokens will not survive a restart nor verify on another replica")
        # A chain, so that another store (the suppliers service's API clients) can be added after the file.
        self.clients = client_store or ChainClientStore([
            _file_store(settings),
            SupplierClientStore(suppliers_url=settings.suppliers_url, identity_secret=settings.identity_secret,
                                session=self.require_session),
        ] if self.issuer else [])
        self.authenticator = Authenticator(
            issuer=settings.jwt_issuer, audience=settings.jwt_audience, identity_secret=settings.identity_secret,
            leeway=settings.jwt_leeway_seconds, issuer_key=self.issuer, jwks_url=settings.jwks_url)
        self.limiter = TokenBucketLimiter(settings.rate_limit_per_second, settings.rate_limit_burst)
        self.token_limiter = TokenBucketLimiter(settings.token_rate_limit_per_second, settings.token_rate_limit_burst)
        self.token_client_limiter = TokenBucketLimiter(settings.token_client_rate_limit_per_second,
                                                       settings.token_client_rate_limit_burst)
        self.proxy = Proxy(authenticator=self.authenticator, limiter=self.limiter, metrics=self.metrics,
                           tracer=self.tracer, identity_secret=settings.identity_secret,
                           max_buffered_body=settings.max_buffered_body_bytes, addresses=self.addresses,
                           request_deadline=settings.request_deadline_seconds,
                           always_trace=tracer_provider is not None)
        self.openapi = OpenApiAggregator(self.routes.upstreams, issues_tokens=self.issuer is not None,
                                         cache_seconds=settings.openapi_cache_seconds)
        endpoints = Endpoints(self)
        self.app = Starlette(routes=endpoints.routes(), lifespan=self.lifespan)
        install_problem_handlers(self.app)
        ops_app = Starlette(routes=endpoints.ops_routes())
        install_problem_handlers(ops_app)
        self.ops = OperationsServer(ops_app, settings.ops_host, settings.ops_port)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            route = self.routes.match(path) if path.startswith(API_PREFIX) else None
            if route is not None:
                return await self.proxy(scope, receive, send, route)
            return await self._internal(scope, receive, send)
        return await self.app(scope, receive, send)

    @asynccontextmanager
    async def lifespan(self, app=None):
        """Open the upstream sessions and the operations port for the life of the server."""
        self.pools.open()
        self.proxy.sessions = self.pools.sessions
        try:
            await self.ops.start()
        except BaseException:
            await self._close_pools()
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
            await self._close_pools()

    async def _close_pools(self) -> None:
        self.proxy.sessions = {}
        await self.pools.close()

    def require_session(self) -> aiohttp.ClientSession:
        """The session for the gateway's own upstream calls, apart from the forwarded traffic."""
        session = self.pools.control()
        if session is None:
            raise Problem(503, "the gateway is starting or stopping", kind="not-ready")
        return session

    async def _internal(self, scope, receive, send) -> None:
        """Run a non-proxied request with a request id, a span, metrics and (under /api/v1) a rate limit."""
        started = perf_counter()
        request_id = request_id_of(_header(scope, _REQUEST_ID_NAME))
        status = 500

        async def send_with_id(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (_REQUEST_ID_NAME, request_id)]
            await send(message)

        carrier = {k: v for k in ("traceparent", "tracestate") if (v := _header_str(scope, k.encode()))}
        context = propagate.extract(carrier) if carrier else None
        path = scope["path"]
        label = path if path in _INTERNAL_LABELS else "unmatched"
        with self.tracer.start_as_current_span(f"{scope['method']} {label}", context=context, kind=SpanKind.SERVER):
            try:
                wait = self.limiter.take(client_key(scope, self.addresses)) if path.startswith(API_PREFIX) else 0
                if wait:
                    await problem_response(rate_limited(wait), path)(scope, receive, send_with_id)
                else:
                    await self.app(scope, receive, send_with_id)
            finally:
                self.metrics.observe(label, status, perf_counter() - started)


def _tune_gc() -> None:
    # Measured under load: with the default thresholds the collector took ~7% of the gateway's CPU,
    # most of it full collections walking the framework objects loaded at startup. Frozen, they are
    # skipped; a larger young generation makes the per-request garbage cheaper to collect.
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 20)


def _file_store(settings: GatewaySettings) -> FileClientStore:
    store = FileClientStore.from_file(settings.clients_file)
    if not settings.is_development:
        weak = store.clients_accepting_dev_secret()
        if weak:
            raise RuntimeError(f"{settings.clients_file} still accepts the development secret of {weak}; "
                               "set real secrets (python -m gateway.auth hash-secret) outside development")
    return store


def _header(scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return value
    return None


def _header_str(scope, name: bytes) -> str | None:
    value = _header(scope, name)
    return value.decode("latin-1") if value is not None else None


def create_app(settings: GatewaySettings | None = None, **options) -> Gateway:
    """A gateway for these settings (default: from the environment); options go to Gateway."""
    return Gateway(settings or GatewaySettings(), **options)


app = create_app()

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host=app.settings.host, port=app.settings.port, **UVICORN_OPTIONS)
