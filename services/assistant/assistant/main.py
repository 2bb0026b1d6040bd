"""The assistant service: the question box, which reads filters from a buyer's sentence and searches its own
read model of published offerings, published courses and the AI Hub registry's use cases, kept from events."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from assistant.question.routes import router as question_router
from assistant.settings import AssistantSettings
from assistant.subscriptions import subscriptions
from servicekit.app import ServiceDefinition, create_app, lazy_app
from servicekit.clock import Clock


def build(settings: AssistantSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """The assistant app for these settings."""
    settings = settings or AssistantSettings()
    return create_app(ServiceDefinition(
        title="Assistant service",
        description="The question box: a sentence in the buyer's words becomes filters (each shown with the words "
                    "it was read from, and removable) and results across offerings, courses and registry use "
                    "cases, each with the passage of its own text that matched.",
        settings=settings,
        routers=[question_router],
        migrations_dir=Path(__file__).parent / "migrations",
        subscriptions=subscriptions(),
    ), clock=clock or Clock())


__getattr__ = lazy_app(build)
