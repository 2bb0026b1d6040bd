"""`make rebuild-hub`: rebuild the registry from the topics while the service runs (or not); what changed is
queued for the external hub when one is configured, and the running service pushes it."""

from __future__ import annotations

import asyncio

from hub.flows import HubFlows
from hub.settings import HubSettings
from servicekit.db import Database


async def main() -> None:
    settings = HubSettings()
    database = Database(settings.database_url)
    try:  # what changes is queued when a hub is configured; the running service pushes it
        outcome = await HubFlows(push_to_hub=bool(settings.sync_url)).rebuild(database, settings)
    finally:
        await database.dispose()
    print(f"registry rebuilt from {outcome.events} events: {outcome.sources} sources, "
          f"{outcome.listed} entries listed, {outcome.changed} changed")


if __name__ == "__main__":
    asyncio.run(main())
