"""What spans the hub's domains, in one place.

The registry is at the bottom: it is built from source events and knows nothing above it. Use cases and
the sync to the external hub sit above it. The flows here tie them together: every registry entry
written is queued for the external hub; an offering entering or leaving the marketplace brings the
entries of the use cases that link it along; a use case's change writes its own entry. The consumer,
the routes and the rebuild command call these; the domains never call each other upward.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from fastapi import Depends, Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from events import Event
from hub.registry import entries, rebuild as registry_rebuild
from hub.registry import service as registry
from hub.registry.entries import EntryChange
from hub.registry.projection import SOURCE_TOPICS
from hub.sync import queue as sync_queue
from hub.usecase import repository as use_case_repository
from hub.usecase import service as use_cases
from hub.usecase.models import UseCase, UseCaseCreate, UseCaseUpdate
from servicekit.db import Database
from servicekit.identity import Identity
from servicekit.replay import read_from_start
from servicekit.settings import ServiceSettings

MOVES = ("added", "removed")  # what an offering does that its linked use cases follow


class RebuildOutcome(BaseModel):
    events: int
    sources: int
    listed: int
    changed: int


class HubFlows:
    """The hub's flows, for one configuration: `push_to_hub` says whether registry changes are queued for the
    external hub (only when one is configured, so an unset HUB_SYNC_URL leaves no backlog behind)."""

    def __init__(self, *, push_to_hub: bool):
        self.push_to_hub = push_to_hub

    async def apply_source_event(self, session: AsyncSession, event: Event) -> None:
        """Handler of every source event the hub follows."""
        await self.apply_source_events(session, [event])

    async def apply_source_events(self, session: AsyncSession, events: list[Event]) -> None:
        """Handler of a partition's batch of source events: the registry, then what follows its changes."""
        await self._followed(session, await registry.apply_source_events(session, events))

    async def register_use_case(self, session: AsyncSession, *, use_case_in: UseCaseCreate, actor: Identity,
                                now: datetime) -> UseCase:
        """A buyer or admin registers an agency's use case; it enters the registry at once."""
        use_case = await use_cases.create(session, use_case_in=use_case_in, actor=actor, now=now)
        await self.write_use_case_entry(session, use_case, at=now, actor=actor.subject)
        return use_case

    async def change_use_case(self, session: AsyncSession, *, use_case: UseCase, changes_in: UseCaseUpdate,
                              actor: Identity, now: datetime) -> UseCase:
        """Change a use case and its registry entry."""
        use_case = await use_cases.update(session, use_case=use_case, changes_in=changes_in, actor=actor, now=now)
        await self.write_use_case_entry(session, use_case, at=now, actor=actor.subject)
        return use_case

    async def move_use_case(self, session: AsyncSession, *, use_case: UseCase, action: str, actor: Identity,
                            now: datetime, reason: str | None) -> UseCase:
        """Move a use case to another phase; a retired one leaves the public registry."""
        use_case = await use_cases.apply_transition(session, use_case=use_case, action=action, actor=actor, now=now,
                                                    reason=reason)
        await self.write_use_case_entry(session, use_case, at=now, actor=actor.subject)
        return use_case

    async def write_use_case_entry(self, session: AsyncSession, use_case: UseCase, *, at: datetime,
                                   actor: str = "system") -> EntryChange | None:
        await session.flush()  # the use case's links are read back to describe them
        return await self.write_entry(session, await use_cases.entry_content(session, use_case), at=at, actor=actor)

    async def write_entry(self, session: AsyncSession, content: dict, *, at: datetime,
                          actor: str = "system") -> EntryChange | None:
        """Write one entry and queue what changed in the public registry for the external hub."""
        change = await entries.write(session, content, at=at, actor=actor)
        await self._queued(session, [change] if change else [])
        return change

    async def rebuild(self, database: Database, settings: ServiceSettings) -> RebuildOutcome:
        """Replay every source topic into an empty registry, swap it in, and write every use case's entry again;
        what changed is announced and queued like any other change."""
        events = await read_from_start(settings, [topic.name for topic in SOURCE_TOPICS])
        replayed = registry_rebuild.fold(events)
        at = datetime.now(timezone.utc)
        async with database.transaction() as session:
            if not database.is_sqlite:
                await registry_rebuild.lock(session)
            changes = await registry_rebuild.swap(session, replayed, at=at)
            await self._queued(session, changes)
            for use_case in await use_case_repository.every(session):  # each queues its own change
                if change := await self.write_use_case_entry(session, use_case, at=at, actor="rebuild"):
                    changes.append(change)
            listed = await registry_rebuild.count_listed(session)
        return RebuildOutcome(events=len(events), sources=len(replayed.sources), listed=listed,
                              changed=len({change.entry.id for change in changes}))

    async def _followed(self, session: AsyncSession, changes: list[EntryChange]) -> None:
        """Queue the registry's changes, and bring along the use cases linking an offering that came or went."""
        await self._queued(session, changes)
        moved = [c for c in changes if c.entry.type == "offering" and c.action in MOVES]
        linking = await use_case_repository.linking_any(session, [c.entry.source_id for c in moved])
        for change in moved:
            for use_case in linking.get(change.entry.source_id, []):
                await self.write_use_case_entry(session, use_case, at=change.entry.updated_at)

    async def _queued(self, session: AsyncSession, changes: list[EntryChange]) -> None:
        if not self.push_to_hub:
            return
        for change in changes:
            if change.action:
                await sync_queue.enqueue(session, change.entry.id, change.entry.version)


def _flows(request: Request) -> HubFlows:
    return request.app.state.flows


FlowsDep = Annotated[HubFlows, Depends(_flows)]
