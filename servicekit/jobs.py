"""Background tasks of a service: started with the app, cancelled with it, restarted on failure."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from servicekit.db import database_unavailable

log = logging.getLogger("servicekit.jobs")


async def keep_running(name: str, work: Callable[[], Awaitable[None]], *, pause: float = 1.0) -> None:
    """Run `work` forever; an unexpected error is logged and the work started again."""
    while True:
        try:
            await work()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if database_unavailable(exc):  # expected while the database is away: no stack trace each time
                log.warning("background task %s waits for the database: %s", name, exc)
            else:
                log.exception("background task %s failed; restarting", name)
        await asyncio.sleep(pause)


async def every(seconds: float, work: Callable[[], Awaitable[None]]) -> None:
    """Call `work` every `seconds`, for scheduled jobs."""
    while True:
        await work()
        await asyncio.sleep(seconds)
