"""The training service: courses, sessions and registrations of interest."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from training.settings import TrainingSettings
from servicekit.app import ServiceDefinition, create_app, lazy_app
from servicekit.clock import Clock


def build(settings: TrainingSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """The training app; its routes arrive with the training work."""
    return create_app(ServiceDefinition(
        title="Training service",
        description="Training courses, sessions and registrations of interest.",
        settings=settings or TrainingSettings(),
        routers=[],
        migrations_dir=Path(__file__).parent / "migrations",
    ), clock=clock)


__getattr__ = lazy_app(build)
