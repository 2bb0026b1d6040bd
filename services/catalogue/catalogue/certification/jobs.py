"""The scheduled run that announces verified records expiring within the notice period, each exactly once.

Each run takes the offerings concerned in one transaction. On PostgreSQL their rows are locked with SKIP LOCKED,
so a second replica running at the same moment takes none of them; once committed each announced record carries
its notice day, and no later run announces it again.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI

from catalogue.certification import service
from servicekit.clock import Clock
from servicekit.db import Database
from servicekit.jobs import every

log = logging.getLogger("catalogue.certification")


async def announce_due(database: Database, clock: Clock, notice_days: int) -> int:
    """One run: returns how many records it announced."""
    async with database.transaction() as session:
        announced = await service.announce_expiring(session, now=clock.now(), notice_days=notice_days,
                                                    lock=not database.is_sqlite)
    if announced:
        log.info("%d assurance records announced as expiring within %d days", announced, notice_days)
    return announced


async def notice_job(app: FastAPI) -> None:
    """Run every `certificate_check_seconds` for the life of the app."""
    settings = app.state.settings
    await every(settings.certificate_check_seconds,
                lambda: announce_due(app.state.database, app.state.clock, settings.certificate_notice_days))
