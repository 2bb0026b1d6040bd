"""The scheduled job that flags accreditations due for renewal and expires those past their date, each
exactly once.

Each run takes the due accreditations in one transaction per kind of change. On PostgreSQL the rows
are locked with SKIP LOCKED, so a second replica running at the same moment takes none of them; once
committed their status has moved on and no later run selects them again.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI

from accreditation.accreditation import repository, service
from servicekit.clock import Clock
from servicekit.db import Database
from servicekit.jobs import every

log = logging.getLogger("accreditation.schedule")


async def _transition_due(database: Database, clock: Clock, find_due, action: str, reason) -> int:
    """Apply `action` to every accreditation `find_due` gives for today, in one transaction (rows locked on
    PostgreSQL, so two replicas never both act); returns how many this run changed."""
    now = clock.now()
    async with database.transaction() as session:
        due = await find_due(session, today=now.date(), lock=not database.is_sqlite)
        for accreditation in due:
            await service.apply_transition(session, accreditation=accreditation, action=action, actor=None,
                                           now=now, reason=reason(accreditation))
    return len(due)


async def flag_renewals_due(database: Database, clock: Clock) -> int:
    """Flag every active accreditation inside its ninety-day renewal notice; returns how many this run flagged."""
    return await _transition_due(database, clock, repository.due_for_renewal, "flag-renewal",
                                 lambda accreditation: f"expires on {accreditation.expires_on.isoformat()}")


async def expire_due(database: Database, clock: Clock) -> int:
    """Expire every accreditation whose expiry date has come; returns how many this run expired."""
    return await _transition_due(database, clock, repository.due_to_expire, "expire",
                                 lambda accreditation: f"expiry date {accreditation.expires_on.isoformat()} came")


async def run_schedule(database: Database, clock: Clock) -> dict[str, int]:
    """One run of both time-driven changes; expiry first, so nothing about to expire is flagged."""
    counts = {"expired": await expire_due(database, clock), "flagged": await flag_renewals_due(database, clock)}
    if any(counts.values()):
        log.info("accreditation schedule: %s", counts)
    return counts


async def schedule_job(app: FastAPI) -> None:
    """Run the schedule every `schedule_interval_seconds` for the life of the app."""
    await every(app.state.settings.schedule_interval_seconds,
                lambda: run_schedule(app.state.database, app.state.clock))
