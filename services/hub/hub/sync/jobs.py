"""The sync's scheduled jobs: push the queue, and reconcile with the external hub on a schedule; both
idle when no hub URL is configured."""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI

from hub.sync.service import Sync

log = logging.getLogger("hub.sync")


async def _idle() -> None:
    await asyncio.Event().wait()


async def push_job(app: FastAPI) -> None:
    """Background job: push the queue while a hub is configured."""
    sync: Sync | None = app.state.sync
    if sync is None:
        return await _idle()
    try:
        await sync.sender.run()
    except asyncio.CancelledError:  # the service stops: let the hub's connections go
        await sync.client.close()
        raise


async def reconcile_job(app: FastAPI) -> None:
    """Background job: reconcile on a schedule while a hub is configured."""
    sync: Sync | None = app.state.sync
    if sync is None:
        return await _idle()
    while True:
        await asyncio.sleep(sync.settings.reconcile_interval_seconds)
        try:
            outcome = await sync.reconcile()
            log.info("scheduled reconciliation: %s", outcome.model_dump())
        except Exception as exc:
            log.warning("scheduled reconciliation failed: %s", exc)
