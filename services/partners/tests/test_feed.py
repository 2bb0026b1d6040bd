"""The store behind the feed: one stable order, no gaps and no repeats while events keep arriving from writers
that commit at once, and only what the visibility table lets in."""

from __future__ import annotations

import asyncio
import random
import uuid
from pathlib import Path

import pytest

import partners
from events import Envelope
from events.catalogue import OfferingCreated, OfferingPublished, OfferingWithdrawn
from partners.feed import repository, service
from servicekit.clock import Clock
from servicekit.db import Database
from servicekit.migrations import upgrade_to_head


@pytest.fixture
async def database(database_urls):
    db = Database(await database_urls("partners"))
    await upgrade_to_head(db, Path(partners.__file__).parent / "migrations")
    yield db
    await db.dispose()


def envelope(event, subject: str, status: str) -> tuple[Envelope, object]:
    data = {"aggregate_id": subject, "version": 1, "occurred_at": "2026-12-03T00:00:00Z", "actor": "supplier-1",
            "offering": {"id": subject, "status": status, "name": "n"}}
    return Envelope(type=event.TYPE, source="/services/catalogue", subject=subject, data=data), event


async def store(database: Database, event, subject: str, status: str, *, linger: float = 0.0):
    env, cls = envelope(event, subject, status)
    async with database.transaction() as session:
        stored = await service.store(session, envelope=env, event=cls.model_construct(), now=Clock().now(),
                                     is_sqlite=database.is_sqlite)
        await asyncio.sleep(linger)  # a transaction that commits a moment after it took its number
    return stored


async def test_only_public_facts_enter_and_a_withdrawal_only_of_what_was_public(database):
    secret, public = str(uuid.uuid4()), str(uuid.uuid4())
    assert await store(database, OfferingCreated, secret, "draft") is None
    assert await store(database, OfferingWithdrawn, secret, "withdrawn") is None
    assert await store(database, OfferingPublished, public, "published") is not None
    kept = await store(database, OfferingWithdrawn, public, "withdrawn")
    assert kept is not None and "actor" not in kept.data


async def test_pages_have_no_gaps_and_no_repeats_while_writers_commit(database):
    written: list[str] = []

    async def writer():
        for _ in range(15):
            stored = await store(database, OfferingPublished, str(uuid.uuid4()), "published",
                                 linger=random.uniform(0, 0.02))
            written.append(stored.event_id)

    read: list[str] = []

    async def reader(done: asyncio.Event):
        position = 0
        while True:
            finished = done.is_set()
            async with database.transaction() as session:
                rows = await repository.page(session, after=position, limit=4, types=None)
            read.extend(row.event_id for row in rows)
            if rows:
                position = service.position(service.cursor_for(rows[-1].seq))
            elif finished:
                return
            await asyncio.sleep(0.001)

    done = asyncio.Event()
    reading = asyncio.create_task(reader(done))
    await asyncio.gather(*(writer() for _ in range(4)))
    done.set()
    await reading
    assert len(read) == len(set(read)) == 60
    assert set(read) == set(written)


async def test_events_past_the_retention_period_are_forgotten(database):
    from datetime import timedelta

    kept = await store(database, OfferingPublished, str(uuid.uuid4()), "published")
    async with database.transaction() as session:
        assert await service.purge(session, now=Clock().now() + timedelta(days=29), retention_days=30) == 0
        assert await service.purge(session, now=Clock().now() + timedelta(days=31), retention_days=30) == 1
        assert await repository.by_event_id(session, kept.event_id) is None
