"""The scheduled job that expires agreements past their end date, each exactly once.

Each run takes the due agreements in one transaction. On PostgreSQL the rows are locked with
SKIP LOCKED, so a second replica running at the same moment takes none of them; once committed
their status is `expired` and no later run selects them again.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI

from servicekit.clock import Clock
from servicekit.db import Database
from servicekit.jobs import every
from suppliers.agreement import repository, service

log = logging.getLogger("suppliers.expiry")


async def expire_due_agreements(database: Database, clock: Clock) -> int:
    """Expire every agreement whose end date has passed; returns how many this run expired."""
    now = clock.now()
    async with database.transaction() as session:
        due = await repository.due_to_expire(session, today=now.date(), lock=not database.is_sqlite)
        for agreement in due:
            await service.apply_transition(session, agreement=agreement, action="expire", actor=None, now=now,
                                           reason=f"end date {agreement.end_date.isoformat()} passed")
    if due:
        log.info("expired %d agreements", len(due))
    return len(due)


async def expiry_job(app: FastAPI) -> None:
    """Run the expiry every `agreement_expiry_interval_seconds` for the life of the app."""
    await every(app.state.settings.agreement_expiry_interval_seconds,
                lambda: expire_due_agreements(app.state.database, app.state.clock))
