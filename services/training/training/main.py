"""The training service: courses, sessions and registrations of interest."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from servicekit.app import ServiceDefinition, create_app, lazy_app
from servicekit.clock import Clock
from training.course.routes import router as course_router
from training.registration.routes import router as registration_router
from training.session.routes import course_router as course_session_router
from training.session.routes import router as session_router
from training.settings import TrainingSettings
from training.subscriptions import subscriptions


def build(settings: TrainingSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """The training app for these settings."""
    clock = clock or Clock()
    return create_app(ServiceDefinition(
        title="Training service",
        description="Training courses, sessions and registrations of interest.",
        settings=settings or TrainingSettings(),
        # Matched in this order: a course's sessions before the course's `/{course_id}/{action}`, and a
        # buyer's `/sessions/registrations` before `/sessions/{session_id}`.
        routers=[course_session_router, course_router, registration_router, session_router],
        migrations_dir=Path(__file__).parent / "migrations",
        subscriptions=subscriptions(clock),
    ), clock=clock)


__getattr__ = lazy_app(build)
