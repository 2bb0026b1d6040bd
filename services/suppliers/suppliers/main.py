"""The suppliers service: every AI supplier of the marketplace and its agreements."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from servicekit.app import ServiceDefinition, create_app, lazy_app
from servicekit.clock import Clock
from suppliers.agreement.jobs import expiry_job
from suppliers.agreement.routes import router as agreement_router
from suppliers.settings import SuppliersSettings
from suppliers.supplier.routes import clients_router
from suppliers.supplier.routes import router as supplier_router


def build(settings: SuppliersSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """The suppliers app for these settings."""
    return create_app(ServiceDefinition(
        title="Suppliers service",
        description="Supplier onboarding and supplier agreements.",
        settings=settings or SuppliersSettings(),
        routers=[supplier_router, agreement_router, clients_router],
        migrations_dir=Path(__file__).parent / "migrations",
        jobs={"agreement-expiry": expiry_job},
    ), clock=clock)


__getattr__ = lazy_app(build)
