"""The app factory every service uses: one place for the defaults a service stands on."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import IntegrityError
from starlette.responses import JSONResponse, Response

from servicekit.bus import broker_reachable
from servicekit.clock import Clock
from servicekit.consumer import BatchHandler, ConsumerRunner, Subscription
from servicekit.db import Database
from servicekit.identity import IdentityVerifier, KeySet
from servicekit.jobs import keep_running
from servicekit.middleware import BodyLimitMiddleware, BodyTooLarge, ServiceRequestMiddleware, on_body_too_large
from servicekit.migrations import upgrade_to_head
from servicekit.openapi import install_problem_documentation
from servicekit.outbox import OutboxRelay
from servicekit.problems import Problem, install_problem_handlers, problem_response
from servicekit.settings import ServiceSettings
from servicekit.telemetry import ServiceMetrics, configure_logging, configure_tracing

log = logging.getLogger("servicekit.app")
Job = Callable[[FastAPI], Awaitable[None]]


@dataclass
class ServiceDefinition:
    """What makes one service: its settings, routes, migrations, subscriptions, start-up steps and scheduled jobs.

    `on_start` steps run once, in order, after the migrations and before the service takes requests
    (seeding reference data, say); one that fails stops the start. `drop_stale` and `batch_handler`
    are the consumer's options (servicekit.consumer)."""

    title: str
    settings: ServiceSettings
    routers: list[APIRouter]
    migrations_dir: Path
    subscriptions: list[Subscription] = field(default_factory=list)
    drop_stale: bool = True
    batch_handler: BatchHandler | None = None
    jobs: dict[str, Job] = field(default_factory=dict)
    on_start: list[Job] = field(default_factory=list)
    description: str = ""


def create_app(service: ServiceDefinition, *, clock: Clock | None = None) -> FastAPI:
    """A FastAPI app with the gateway check, problem+json, health, metrics, outbox relay and consumer."""
    settings = service.settings
    metrics = ServiceMetrics()
    # FastAPI's own telemetry is off: ServiceRequestMiddleware makes the one server span per
    # request (and the metrics), so requests are not traced twice.
    app = FastAPI(title=service.title, description=service.description, version="1.0.0",
                  lifespan=_lifespan(service), docs_url="/docs", redoc_url=None,
                  telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False})
    app.state.settings = settings
    app.state.service = service
    app.state.metrics = metrics
    app.state.clock = clock or Clock()
    app.state.database = Database(settings.database_url, busy_timeout=settings.database_busy_timeout_seconds)
    install_problem_handlers(app)
    app.add_exception_handler(IntegrityError, _on_integrity_error)
    app.add_exception_handler(BodyTooLarge, on_body_too_large)
    # Inside the identity check (the last middleware added runs first): only a request the gateway
    # forwarded gets as far as its body.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_request_body_bytes)
    app.add_middleware(ServiceRequestMiddleware, metrics=metrics,
                       verifier=IdentityVerifier(KeySet(settings.identity_jwks, required=not settings.is_development),
                                                 audience=settings.service_name))
    app.include_router(_operations_router())
    for router in service.routers:
        app.include_router(router)
    install_problem_documentation(app)
    return app


def _lifespan(service: ServiceDefinition):
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        settings = service.settings
        configure_logging(settings.service_name, settings.log_level)
        configure_tracing(settings.service_name)
        database: Database = app.state.database
        await upgrade_to_head(database, service.migrations_dir)
        for step in service.on_start:
            await step(app)
        app.state.relay = OutboxRelay(database, settings, app.state.metrics)
        tasks = [asyncio.create_task(keep_running("outbox-relay", app.state.relay.run))]
        app.state.consumer = None
        if service.subscriptions and settings.consumers_enabled:
            app.state.consumer = ConsumerRunner(group=settings.consumer_group, subscriptions=service.subscriptions,
                                                database=database, settings=settings, metrics=app.state.metrics,
                                                drop_stale=service.drop_stale, batch_handler=service.batch_handler)
            tasks.append(asyncio.create_task(keep_running("consumer", app.state.consumer.run)))
        for name, job in service.jobs.items():
            tasks.append(asyncio.create_task(keep_running(name, lambda job=job: job(app))))
        log.info("%s started", settings.service_name)
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await app.state.relay.stop()
            if app.state.consumer:
                await app.state.consumer.stop()
            await database.dispose()

    return lifespan


async def _on_integrity_error(request: Request, exc: IntegrityError) -> Response:
    problem = Problem(409, "the change conflicts with another change made at the same time; read again and retry",
                      kind="concurrent-change")
    return problem_response(problem, request.url.path)


def _operations_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    async def healthz() -> dict:
        """The process is up."""
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz(request: Request) -> Response:
        """Ready only while the database and the broker can both be reached and the consumer is not stuck."""
        checks = {
            "database": await request.app.state.database.ping(),
            "broker": await broker_reachable(request.app.state.settings),
        }
        consumer = request.app.state.consumer
        # A stuck consumer is restarted by the service; until it moves again the service says so.
        extra = {"consumer": {"stuck": consumer.stuck, "restarts": consumer.restarts}} if consumer else {}
        stuck = bool(consumer and consumer.stuck)
        if all(checks.values()) and not stuck:
            return JSONResponse({"status": "ready", "checks": checks, **extra})
        failing = [f"cannot reach {name}" for name, ok in checks.items() if not ok] + ["the consumer is stuck"] * stuck
        return problem_response(Problem(503, f"not ready: {', '.join(failing)}", kind="not-ready", checks=checks,
                                        **extra))

    @router.get("/metrics")
    async def metrics(request: Request) -> Response:
        """Prometheus text format."""
        return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return router


def lazy_app(build: Callable[[], FastAPI]):
    """A module `__getattr__` giving `app` on first use, so `uvicorn <service>.main:app` works
    while importing the module stays free of side effects."""

    def module_getattr(name: str):
        if name == "app":
            return build()
        raise AttributeError(name)

    return module_getattr
