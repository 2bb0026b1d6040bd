"""The assurance service: versioned questionnaires and scored assessments of offerings and use cases."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from assurance.assessment.jobs import schedule_job
from assurance.assessment.routes import router as assessment_router
from assurance.questionnaire.routes import router as questionnaire_router
from assurance.questionnaire.service import load_on_first_start
from assurance.settings import AssuranceSettings
from assurance.subscriptions import subscriptions
from servicekit.app import ServiceDefinition, create_app, lazy_app
from servicekit.clock import Clock


async def questionnaire_on_start(app: FastAPI) -> None:
    """Start-up step: the repository's questionnaire becomes version 1 of an empty database."""
    await load_on_first_start(app.state.database, app.state.clock.now())


def build(settings: AssuranceSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """The assurance app for these settings."""
    return create_app(ServiceDefinition(
        title="Assurance service",
        description="AI assurance questionnaires and the scored assessments of offerings and agencies' use cases.",
        settings=settings or AssuranceSettings(),
        routers=[questionnaire_router, assessment_router],
        migrations_dir=Path(__file__).parent / "migrations",
        subscriptions=subscriptions(),
        jobs={"assurance-schedule": schedule_job},
        on_start=[questionnaire_on_start],
    ), clock=clock or Clock())


__getattr__ = lazy_app(build)
