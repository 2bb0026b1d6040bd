"""The sync as a whole: started when a hub URL is configured, with its sender, reconciliation and status
(the jobs that run them are in jobs.py)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.settings import HubSettings
from hub.sync import queue
from hub.sync.client import HubClient
from hub.sync.models import ReconcileOutcome, SyncItem, SyncState, SyncStatus
from hub.sync.reconcile import reconcile
from hub.sync.sender import SyncMetrics, SyncSender
from servicekit.db import Database


@dataclass
class Sync:
    database: Database
    settings: HubSettings
    client: HubClient
    sender: SyncSender

    async def reconcile(self) -> ReconcileOutcome:
        outcome = await reconcile(self.database, self.client)
        self.sender.signal.set()
        return outcome


async def start_sync(app: FastAPI) -> None:
    """On start: with a hub URL, get ready to push what the flows queue (see `hub.main`)."""
    settings: HubSettings = app.state.settings
    app.state.sync = None
    if not settings.sync_url:
        return
    signal = app.state.database.signal(queue.SYNC_SIGNAL)
    client = HubClient(settings.sync_url, settings.sync_secret, timeout=settings.sync_timeout_seconds)
    metrics = SyncMetrics(app.state.metrics.registry)
    app.state.sync = Sync(app.state.database, settings, client,
                          SyncSender(app.state.database, settings, client, signal, metrics))


async def status(session: AsyncSession, settings: HubSettings) -> SyncStatus:
    backlog, oldest = (await session.execute(select(func.count(), func.min(SyncItem.enqueued_at)))).one()
    retrying = await session.scalar(select(func.count()).where(SyncItem.attempts > 0))
    state = await session.get(SyncState, 1) or SyncState(id=1, pushed_total=0, failures_total=0,
                                                         consecutive_failures=0)
    return SyncStatus(
        enabled=bool(settings.sync_url), target=settings.sync_url, backlog=backlog, oldest_waiting_since=oldest,
        retrying=retrying or 0,
        last_success_at=state.last_success_at, last_failure_at=state.last_failure_at, last_error=state.last_error,
        pushed_total=state.pushed_total, failures_total=state.failures_total,
        consecutive_failures=state.consecutive_failures, last_reconcile_at=state.last_reconcile_at,
        last_reconcile=ReconcileOutcome(**state.last_reconcile) if state.last_reconcile else None)
