"""The taxonomy seeded from `taxonomy.json` at start-up, idempotently.

Each start adds the categories of the data file the database does not hold yet, through the same
rules and with the same audit rows and `category.created` events as an admin's creation (action
`seed`, actor `system`), so consumers learn of seeded categories like any other. Categories already
present are left alone: an admin's later change or retirement wins over the file. On PostgreSQL
replicas starting together take turns under an advisory lock.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import text

from catalogue.category import repository, service
from catalogue.category.models import CategoryCreate
from servicekit.clock import Clock
from servicekit.db import Database
from servicekit.problems import Problem

log = logging.getLogger("catalogue.taxonomy")
TAXONOMY = Path(__file__).with_name("taxonomy.json")
SYSTEM_ACTOR = "system"


def load_taxonomy(path: Path = TAXONOMY) -> list[CategoryCreate]:
    """Every category of the data file, each parent before its children."""
    data = json.loads(path.read_text(encoding="utf-8"))

    def walk(axis: str, entries: list[dict], parent: str | None):
        for entry in entries:
            yield CategoryCreate(code=entry["code"], axis=axis, name=entry["name"], description=entry["description"],
                                 parent=parent)
            yield from walk(axis, entry.get("children", []), entry["code"])

    return [category for axis, entries in data.items() for category in walk(axis, entries, None)]


async def seed_taxonomy(database: Database, clock: Clock, path: Path = TAXONOMY) -> int:
    """Add the data file's categories missing from the database; returns how many were added."""
    wanted = load_taxonomy(path)
    added = 0
    async with database.transaction() as session:
        if not database.is_sqlite:
            await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('catalogue-taxonomy-seed'))"))
        existing = await repository.existing_codes(session)
        for category_in in wanted:
            if category_in.code in existing:
                continue
            try:
                await service.create(session, category_in=category_in, actor=SYSTEM_ACTOR, now=clock.now(),
                                     action="seed")
            except Problem as refused:  # e.g. an admin retired the parent: the child is not brought back
                log.warning("taxonomy entry %s not seeded: %s", category_in.code, refused.detail)
                continue
            added += 1
    if added:
        log.info("seeded %d categories from %s", added, path.name)
    return added


async def seed_on_start(app: FastAPI) -> None:
    """Start-up step of the catalogue: bring the taxonomy up to the data file."""
    await seed_taxonomy(app.state.database, app.state.clock)
