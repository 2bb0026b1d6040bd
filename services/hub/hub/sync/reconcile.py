"""Reconciliation: compare what the external hub holds with the public registry and queue a push for
every difference (missing at the hub, outdated there, or held there but not listed here)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from hub.registry.models import RegistryEntry
from hub.sync import queue
from hub.sync.client import HubClient
from hub.sync.models import ReconcileOutcome
from hub.sync.sender import sync_state
from servicekit.db import Database


async def reconcile(database: Database, client: HubClient) -> ReconcileOutcome:
    """One reconciliation run; the sender then carries out the fixes it queued."""
    held = await client.held()
    async with database.transaction() as session:
        listed = {row.id: row for row in (await session.execute(
            select(RegistryEntry.id, RegistryEntry.version, RegistryEntry.digest)
            .where(RegistryEntry.listed.is_(True)))).all()}
        missing = [entry_id for entry_id in listed if entry_id not in held]
        outdated = [entry_id for entry_id, row in listed.items() if entry_id in held and (
            held[entry_id].get("version") != row.version or held[entry_id].get("digest") != row.digest)]
        extra = [entry_id for entry_id in held if entry_id not in listed]
        for entry_id in [*missing, *outdated, *extra]:
            await queue.enqueue(session, entry_id, listed[entry_id].version if entry_id in listed else 0)
        outcome = ReconcileOutcome(registry_entries=len(listed), hub_entries=len(held), missing=len(missing),
                                   outdated=len(outdated), extra=len(extra),
                                   queued=len(missing) + len(outdated) + len(extra))
        state = await sync_state(session)
        state.last_reconcile_at = datetime.now(timezone.utc)
        state.last_reconcile = outcome.model_dump()
    return outcome
