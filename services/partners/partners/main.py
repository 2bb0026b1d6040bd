"""The partners service: partner systems' subscriptions to public marketplace events, delivered as signed
webhooks (Standard Webhooks v1) or read from a pull feed."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from partners import jobs
from partners.delivery.routes import router as delivery_router
from partners.feed.routes import router as feed_router
from partners.metrics import PartnerMetrics
from partners.settings import PartnersSettings
from partners.subscription.routes import router as subscription_router
from partners.secrets import SecretBox
from partners.subscriptions import subscriptions
from partners.webhooks import document_deliveries
from servicekit.app import ServiceDefinition, create_app, lazy_app
from servicekit.clock import Clock


def build(settings: PartnersSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """The partners app for these settings."""
    settings = settings or PartnersSettings()
    clock = clock or Clock()
    app = create_app(ServiceDefinition(
        title="Partners service",
        description="Partner systems subscribe to public marketplace events and receive them as signed webhooks "
                    "(Standard Webhooks v1, the CloudEvent as the body) or through a pull feed.",
        settings=settings,
        routers=[subscription_router, delivery_router, feed_router],
        migrations_dir=Path(__file__).parent / "migrations",
        subscriptions=subscriptions(clock),
        jobs={"partners-delivery": jobs.deliver, "partners-retention": jobs.purge, "partners-metrics": jobs.measure},
    ), clock=clock)
    document_deliveries(app)
    app.state.box = SecretBox(settings.secret_key)
    app.state.partner_metrics = PartnerMetrics(app.state.metrics)
    return app


__getattr__ = lazy_app(build)
