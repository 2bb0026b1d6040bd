"""The hub service: the Public Service AI Hub registry and agency AI use cases."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from hub.settings import HubSettings
from servicekit.app import ServiceDefinition, create_app, lazy_app
from servicekit.clock import Clock


def build(settings: HubSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """The hub app; its routes arrive with the hub work."""
    return create_app(ServiceDefinition(
        title="Hub service",
        description="The Public Service AI Hub registry and agency AI use cases.",
        settings=settings or HubSettings(),
        routers=[],
        migrations_dir=Path(__file__).parent / "migrations",
    ), clock=clock)


__getattr__ = lazy_app(build)
