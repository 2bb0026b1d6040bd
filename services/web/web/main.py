"""The web service: pages for buyers and the public, reached through the gateway at `/` and `/assets/`."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import JSONResponse, Response

from servicekit.app import lazy_app
from servicekit.identity import IdentityVerifier, KeySet
from servicekit.middleware import ServiceRequestMiddleware
from servicekit.problems import Problem, problem_response
from servicekit.telemetry import ServiceMetrics, configure_logging, configure_tracing
from web.auth.oidc import Issuer
from web.auth.routes import router as auth_router
from web.home.routes import router as home_router
from web.offerings.routes import router as offerings_router
from web.pages import install_error_pages
from web.registry.routes import router as registry_router
from web.session import SecurityMiddleware
from web.settings import WebSettings
from web.shortlists.routes import router as shortlists_router
from web.suppliers.routes import router as suppliers_router
from web.training.routes import router as training_router

ASSETS_DIR = Path(__file__).parent / "assets"


def build(settings: WebSettings | None = None, **_options) -> FastAPI:
    """The web app for these settings (no database: the gateway's API holds everything it shows)."""
    settings = settings or WebSettings()
    app = FastAPI(title="Web pages", docs_url=None, redoc_url=None, openapi_url=None, lifespan=_lifespan)
    app.state.settings = settings
    app.state.metrics = metrics = ServiceMetrics()
    install_error_pages(app)
    app.add_middleware(SecurityMiddleware, secure_cookies=settings.secure_cookies)
    # Only what the gateway forwarded, as every service: the pages are reached at the gateway's address.
    app.add_middleware(ServiceRequestMiddleware, metrics=metrics, verifier=IdentityVerifier(
        KeySet(settings.identity_jwks, required=not settings.is_development), audience=settings.service_name))
    app.include_router(_operations_router())
    for router in (auth_router, home_router, offerings_router, shortlists_router, training_router, registry_router,
                   suppliers_router):
        app.include_router(router)
    app.mount("/assets", StaticFiles(directory=ASSETS_DIR), name="assets")
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI):
    settings: WebSettings = app.state.settings
    configure_logging(settings.service_name, settings.log_level)
    configure_tracing(settings.service_name)
    async with (httpx.AsyncClient(base_url=settings.gateway_url, timeout=settings.gateway_timeout_seconds,
                                  follow_redirects=False) as http,
                httpx.AsyncClient(follow_redirects=False) as identity_provider):
        app.state.http = http
        app.state.issuer = Issuer(settings, identity_provider) if settings.oidc_issuer else None
        yield


def _operations_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    async def healthz() -> dict:
        """The process is up."""
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz(request: Request) -> Response:
        """Ready while the gateway answers: every page needs it."""
        try:
            ok = (await request.app.state.http.get("/healthz", timeout=2.0)).status_code == 200
        except httpx.HTTPError:
            ok = False
        if ok:
            return JSONResponse({"status": "ready", "checks": {"gateway": True}})
        return problem_response(Problem(503, "not ready: cannot reach the gateway", kind="not-ready",
                                        checks={"gateway": False}))

    @router.get("/metrics")
    async def metrics(request: Request) -> Response:
        """Prometheus text format."""
        return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return router


__getattr__ = lazy_app(build)
