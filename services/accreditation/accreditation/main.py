"""The accreditation service: training-provider applications and accreditations."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from accreditation.settings import AccreditationSettings
from servicekit.app import ServiceDefinition, create_app, lazy_app
from servicekit.clock import Clock


def build(settings: AccreditationSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """The accreditation app; its routes arrive with the accreditation work."""
    return create_app(ServiceDefinition(
        title="Accreditation service",
        description="Training-provider applications and accreditations.",
        settings=settings or AccreditationSettings(),
        routers=[],
        migrations_dir=Path(__file__).parent / "migrations",
    ), clock=clock)


__getattr__ = lazy_app(build)
