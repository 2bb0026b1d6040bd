"""The scheduled job that lapses accepted assessments past their last current day, each exactly once.

Each run takes the due assessments in one transaction. On PostgreSQL the rows are locked with SKIP LOCKED, so a
second replica running at the same moment takes none of them; once committed their status has moved on and no
later run selects them again.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI

from assurance.assessment import repository, service
from servicekit.clock import Clock
from servicekit.db import Database
from servicekit.jobs import every

log = logging.getLogger("assurance.schedule")


async def lapse_due(database: Database, clock: Clock) -> int:
    """Lapse every assessment in force whose `current_until` has passed; returns how many this run lapsed."""
    now = clock.now()
    async with database.transaction() as session:
        due = await repository.due_to_lapse(session, today=now.date(), lock=not database.is_sqlite)
        for assessment in due:
            await service.apply_transition(session, assessment=assessment, action="lapse", actor=None, now=now,
                                           reason=f"current until {assessment.current_until.isoformat()}")
    if due:
        log.info("assurance schedule: %d assessments lapsed", len(due))
    return len(due)


async def schedule_job(app: FastAPI) -> None:
    """Run the lapse every `schedule_interval_seconds` for the life of the app."""
    await every(app.state.settings.schedule_interval_seconds, lambda: lapse_due(app.state.database, app.state.clock))
