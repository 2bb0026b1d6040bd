"""Background work of the partners service: the delivery worker, the retention purge, the metrics."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import func, select

from partners.delivery import repository as deliveries
from partners.delivery.worker import DeliveryWorker
from partners.feed import service as store
from partners.subscription.models import Subscription
from servicekit.jobs import every


async def deliver(app: FastAPI) -> None:
    settings = app.state.settings
    if not settings.deliveries_enabled:
        return
    app.state.worker = DeliveryWorker(app.state.database, settings, app.state.partner_metrics, app.state.box)
    await app.state.worker.run()


async def purge(app: FastAPI) -> None:
    async def once() -> None:
        async with app.state.database.transaction() as session:
            await store.purge(session, now=app.state.clock.now(), retention_days=app.state.settings.retention_days)

    await every(app.state.settings.retention_interval_seconds, once)


async def measure(app: FastAPI) -> None:
    metrics = app.state.partner_metrics

    async def once() -> None:
        async with app.state.database.transaction() as session:
            backlog = await deliveries.backlog(session)
            disabled = await session.scalar(select(func.count()).where(Subscription.status == "disabled"))
        metrics.backlog.clear()
        for subscription_id, count in backlog.items():
            metrics.backlog.labels(subscription_id).set(count)
        metrics.disabled.set(disabled or 0)

    await every(app.state.settings.metrics_interval_seconds, once)
