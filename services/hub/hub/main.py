"""The hub service: the Public Service AI Hub registry, agency AI use cases, and the push to an external hub."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from hub.registry.routes import router as registry_router
from hub.flows import HubFlows
from hub.settings import HubSettings
from hub.subscriptions import subscriptions
from hub.sync import jobs as sync_jobs
from hub.sync import service as sync
from hub.survey.routes import router as survey_router
from hub.sync.routes import router as sync_router
from hub.transparency.routes import router as transparency_router
from hub.usecase.routes import router as use_case_router
from servicekit.app import ServiceDefinition, create_app, lazy_app
from servicekit.clock import Clock


def build(settings: HubSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """The hub app for these settings."""
    settings = settings or HubSettings()
    # Registry changes are queued for the external hub only when one is configured.
    flows = HubFlows(push_to_hub=bool(settings.sync_url))
    app = create_app(ServiceDefinition(
        title="Hub service",
        description="The Public Service AI Hub registry, agency AI use cases with their transparency records, the "
                    "annual AI survey, and the push to an external hub.",
        settings=settings,
        routers=[registry_router, use_case_router, transparency_router, survey_router, sync_router],
        migrations_dir=Path(__file__).parent / "migrations",
        # The hub follows every public topic, so a partition's batch of records is applied in one
        # transaction. The registry keeps each source's version itself and ignores what is at or below
        # it, but still reads a late event for the earliest time its source was seen live (what makes a
        # shuffled stream give the same registry as an ordered one): no stale-version drop.
        subscriptions=subscriptions(flows), batch_handler=flows.apply_source_events, drop_stale=False,
        jobs={"hub-sync": sync_jobs.push_job, "hub-reconcile": sync_jobs.reconcile_job},
        on_start=[sync.start_sync],
    ), clock=clock)
    app.state.flows = flows  # the routes' changes that span domains go through it (hub.flows.FlowsDep)
    return app


__getattr__ = lazy_app(build)
