"""Writing one registry entry: when its content changed, the row, its audit row and its event on
`hub.registry.v1`, all in the caller's transaction (what else follows a change is in `hub.flows`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from events.hub import (RegistryEntryAdded, RegistryEntryChanged, RegistryEntryEvent, RegistryEntryRemoved,
                        RegistryEntryState)
from hub.registry.batch import ENTRY_AGGREGATE, BatchReads
from hub.registry.models import RegistryEntry
from servicekit.history import record_change
from servicekit.outbox import emit

AGGREGATE = ENTRY_AGGREGATE
EVENTS: dict[str, type[RegistryEntryEvent]] = {
    "added": RegistryEntryAdded, "changed": RegistryEntryChanged, "removed": RegistryEntryRemoved}


@dataclass(frozen=True)
class EntryChange:
    """An entry whose content was written; `action` is what happened to it in the public registry (added,
    changed or removed), None while it stays out of it."""

    entry: RegistryEntry
    action: str | None


def digest_of(document: dict[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _search_text(document: dict[str, Any]) -> str:
    parts = [document["name"], document["summary"], document.get("supplier_name"), document.get("agency"),
             *document.get("categories", [])]
    return " ".join(p for p in parts if p).lower()


def _action(was_listed: bool, listed: bool) -> str | None:
    if listed:
        return "changed" if was_listed else "added"
    return "removed" if was_listed else None


async def write(session: AsyncSession, content: dict[str, Any], *, at: datetime, actor: str = "system",
                reads: BatchReads | None = None) -> EntryChange | None:
    """Store the entry when its content differs from what is stored (None when it does not)."""
    reads = reads or BatchReads()
    state = RegistryEntryState.model_validate(content)
    document = state.model_dump(mode="json")
    digest = digest_of(document)
    entry = await reads.entry(session, document["id"])
    # The stored row's own content is digested (not its digest column), so a rebuild also repairs a row
    # changed behind the registry's back.
    if entry is not None and digest_of(entry.state().model_dump(mode="json")) == digest:
        if entry.digest != digest:
            entry.digest = digest
        return None
    was_listed = bool(entry and entry.listed)
    if entry is None:
        entry = RegistryEntry(id=document["id"], version=await reads.last_version(session, document["id"]))
        reads.entries[entry.id] = entry
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
    return EntryChange(entry, action)
