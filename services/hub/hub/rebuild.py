"""`make rebuild-hub`: rebuild the registry from the topics while the service runs (or not); what changed is
queued for the external hub when one is configured, and the running service pushes it."""

from __future__ import annotations

import asyncio

from hub import flows
from hub.settings import HubSettings
from hub.sync import queue
from servicekit.db import Database


async def main() -> None:
    settings = HubSettings()
    database = Database(settings.database_url)
    if settings.sync_url:
        queue.enable(database)
    try:
        outcome = await flows.rebuild(database, settings)
    finally:
        await database.dispose()
    print(f"registry rebuilt from {outcome.events} events: {outcome.sources} sources, "
          f"{outcome.listed} entries listed, {outcome.changed} changed")


if __name__ == "__main__":
    asyncio.run(main())
