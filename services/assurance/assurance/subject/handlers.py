"""Keeps the offering and use-case projections from their events: the latest snapshot wins."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from assurance.subject.models import OfferingProjection, UseCaseProjection
from events.catalogue import OfferingEvent
from events.hub import RegistryEntryEvent
from servicekit.projection import keep_snapshot


async def keep_offering(session: AsyncSession, event: OfferingEvent) -> None:
    """Insert or replace the offering's row with the snapshot the event carries."""
    await keep_snapshot(session, OfferingProjection, event, event.offering)


async def keep_use_case(session: AsyncSession, event: RegistryEntryEvent) -> None:
    """Keep the registry entries of use cases, keyed by the use case's own id; other entries are not assessed
    here."""
    entry = event.entry
    if entry.source_type == "use_case":
        await keep_snapshot(session, UseCaseProjection, event, entry.model_copy(update={"id": entry.source_id}))
