"""The sample service, assembled by the toolkit's app factory."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from servicekit.app import ServiceDefinition, create_app
from servicekit.clock import Clock
from servicekit.consumer import Subscription
from servicekit.tests.sample.routes import router
from servicekit.tests.sample.settings import SampleSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def build(settings: SampleSettings, *, subscriptions: list[Subscription] | None = None,
          clock: Clock | None = None) -> FastAPI:
    """The sample app; `app.state.hooks` lets a test pause a request at a named point."""
    app = create_app(ServiceDefinition(
        title="Sample service",
        settings=settings,
        routers=[router],
        migrations_dir=MIGRATIONS,
        subscriptions=subscriptions or [],
    ), clock=clock)
    app.state.hooks = {}
    app.state.commits = []
    app.state.after_commit_calls = []
    return app
