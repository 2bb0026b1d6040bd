"""The accreditation service: training-provider applications and accreditations."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from accreditation.accreditation.routes import router as accreditation_router
from accreditation.application.routes import router as application_router
from accreditation.accreditation.jobs import schedule_job
from accreditation.settings import AccreditationSettings
from accreditation.subscriptions import subscriptions
from accreditation.supplier.routes import router as supplier_router
from servicekit.app import ServiceDefinition, create_app, lazy_app
from servicekit.clock import Clock


def build(settings: AccreditationSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """The accreditation app for these settings."""
    clock = clock or Clock()
    return create_app(ServiceDefinition(
        title="Accreditation service",
        description="Training-provider applications, their assessment, and the accreditations they grant.",
        settings=settings or AccreditationSettings(),
        routers=[application_router, accreditation_router, supplier_router],
        migrations_dir=Path(__file__).parent / "migrations",
        subscriptions=subscriptions(clock),
        jobs={"accreditation-schedule": schedule_job},
    ), clock=clock)


__getattr__ = lazy_app(build)
