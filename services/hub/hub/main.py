"""The hub service: the Public Service AI Hub registry, agency AI use cases, and the push to an external hub."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from hub.consumer import RegistryConsumer
from hub.registry.routes import router as registry_router
from hub.registry.service import apply_source_events
from hub.settings import HubSettings
from hub.subscriptions import SUBSCRIPTIONS
from hub.sync import service as sync
from hub.sync.routes import router as sync_router
from hub.usecase.routes import router as use_case_router
from servicekit.app import ServiceDefinition, create_app, lazy_app
from servicekit.clock import Clock


async def consume(app: FastAPI) -> None:
    """Background job: keep the registry in step with every source topic."""
    settings: HubSettings = app.state.settings
    if not settings.consumers_enabled:
        return await sync._idle()
    runner = RegistryConsumer(batch_handler=apply_source_events, group=settings.consumer_group,
                              subscriptions=SUBSCRIPTIONS,
                              database=app.state.database, settings=settings, metrics=app.state.metrics)
    app.state.consumer = runner
    try:
        await runner.run()
    finally:
        await runner.stop()


def build(settings: HubSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """The hub app for these settings."""
    return create_app(ServiceDefinition(
        title="Hub service",
        description="The Public Service AI Hub registry, agency AI use cases, and the push to an external hub.",
        settings=settings or HubSettings(),
        routers=[registry_router, use_case_router, sync_router],
        migrations_dir=Path(__file__).parent / "migrations",
        # The registry consumer runs as a job: it is the toolkit runner without the stale-version drop
        # (see hub/consumer.py).
        jobs={"registry-consumer": consume, "hub-sync": sync.push_job, "hub-reconcile": sync.reconcile_job},
        on_start=[sync.start_sync],
    ), clock=clock)


__getattr__ = lazy_app(build)
