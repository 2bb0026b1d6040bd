"""Writing one registry entry: when its content changed, the row, its audit row, its event on
`hub.registry.v1` and its place in the sync queue, all in the caller's transaction."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events.hub import (RegistryEntryAdded, RegistryEntryChanged, RegistryEntryEvent, RegistryEntryRemoved,
                        RegistryEntryState)
from hub.registry import batch
from hub.registry.models import RegistryEntry
from hub.sync import queue
from servicekit.history import record_change
from servicekit.outbox import emit
from servicekit.tables import AuditEntry

AGGREGATE = "registry_entry"
EVENTS: dict[str, type[RegistryEntryEvent]] = {
    "added": RegistryEntryAdded, "changed": RegistryEntryChanged, "removed": RegistryEntryRemoved}


def digest_of(document: dict[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _search_text(document: dict[str, Any]) -> str:
    parts = [document["name"], document["summary"], document.get("supplier_name"), document.get("agency"),
             *document.get("categories", [])]
    return " ".join(p for p in parts if p).lower()


async def _last_recorded_version(session: AsyncSession, entry_id: str) -> int:
    """0 for a new entry; for one whose row was lost (a rebuild brings it back), the version its history
    reached, so versions keep rising for the hub and the audit."""
    if (known := batch.cached(session, "history", entry_id)) is not None:
        return known
    last = await session.scalar(select(func.max(AuditEntry.version)).where(
        AuditEntry.aggregate_type == AGGREGATE, AuditEntry.aggregate_id == entry_id))
    return last or 0


def _action(was_listed: bool, listed: bool) -> str | None:
    if listed:
        return "changed" if was_listed else "added"
    return "removed" if was_listed else None


async def write(session: AsyncSession, content: dict[str, Any], *, at: datetime,
                actor: str = "system") -> tuple[RegistryEntry | None, str | None]:
    """Store the entry when its content differs from what is stored; returns the entry and what happened
    to it in the public registry (added, changed, removed, or None: unchanged or still out of it)."""
    state = RegistryEntryState.model_validate(content)
    document = state.model_dump(mode="json")
    digest = digest_of(document)
    entry = await batch.load(session, RegistryEntry, document["id"])
    # The stored row's own content is digested (not its digest column), so a rebuild also repairs a row
    # changed behind the registry's back.
    if entry is not None and digest_of(entry.state().model_dump(mode="json")) == digest:
        if entry.digest != digest:
            entry.digest = digest
        return entry, None
    was_listed = bool(entry and entry.listed)
    if entry is None:
        entry = RegistryEntry(id=document["id"], version=await _last_recorded_version(session, document["id"]))
        batch.remember(session, RegistryEntry, entry.id, entry)
    for name, value in state.model_dump().items():
        setattr(entry, name, value)
    entry.category_keys = "".join(f"|{code}" for code in document["categories"]) + "|"
    entry.search_text = _search_text(document)
    entry.digest = digest
    entry.version += 1
    entry.updated_at = at
    session.add(entry)
    action = _action(was_listed, entry.listed)
    if action:
        record_change(session, aggregate_type=AGGREGATE, aggregate_id=entry.id, version=entry.version,
                      action=action, actor=actor, at=at, from_state="listed" if was_listed else None,
                      to_state="listed" if entry.listed else "left")
        emit(session, EVENTS[action](aggregate_id=entry.id, version=entry.version, occurred_at=at, actor=actor,
                                     entry=entry.state()))
        await queue.enqueue(session, entry.id, entry.version)
    return entry, action
