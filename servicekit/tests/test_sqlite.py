"""The SQLite connection: one trip to its thread per statement, and one writer at a time per engine."""

from __future__ import annotations

import asyncio

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from servicekit.db import Database, database_unavailable


@pytest.fixture
async def database(tmp_path):
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'trips.db'}", busy_timeout=0.5)
    async with database.transaction() as session:
        await session.execute(text("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"))
        await session.execute(text("INSERT INTO item (name) VALUES ('first'), ('second')"))
    yield database
    await database.dispose()


@pytest.fixture
def trips(monkeypatch):
    """Counts the calls handed to aiosqlite's worker threads."""
    counted = {"calls": 0}
    original = aiosqlite.Connection._execute

    async def counting(self, fn, *args, **kwargs):
        counted["calls"] += 1
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    return counted


async def test_a_read_transaction_is_one_trip_to_the_thread(database, trips):
    async with database.transaction() as session:  # the pool's connection is warm from the fixture
        rows = (await session.execute(text("SELECT id, name FROM item ORDER BY id"))).all()
    assert [tuple(row) for row in rows] == [(1, "first"), (2, "second")]
    assert trips["calls"] == 1  # no cursor, fetch, close, commit or rollback of its own


async def test_a_write_commits_and_a_failed_one_leaves_nothing(database, trips):
    async with database.transaction() as session:
        result = await session.execute(text("UPDATE item SET name = 'changed' WHERE id = 1"))
        assert result.rowcount == 1
    assert trips["calls"] == 2  # the statement and the commit
    with pytest.raises(RuntimeError):
        async with database.transaction() as session:
            await session.execute(text("INSERT INTO item (name) VALUES ('lost')"))
            raise RuntimeError("the route failed")
    async with database.transaction() as session:
        names = (await session.execute(text("SELECT name FROM item ORDER BY id"))).scalars().all()
    assert names == ["changed", "second"]


async def test_concurrent_writers_queue_instead_of_failing(database):
    async def add(n: int) -> None:
        async with database.transaction() as session:
            await session.execute(text("INSERT INTO item (name) VALUES (:name)"), {"name": f"n{n}"})
            await asyncio.sleep(0.005)  # holds the write transaction across a hand-back to the loop
            await session.execute(text("UPDATE item SET name = name || '!' WHERE name = :name"), {"name": f"n{n}"})

    # 40 writers each holding the lock for more than 5 ms, with a busy timeout of 0.5 s: SQLite's busy handler
    # alone, sleeping up to 100 ms between tries, lets some of them fail.
    await asyncio.gather(*(add(n) for n in range(40)))
    async with database.transaction() as session:
        count = await session.scalar(text("SELECT count(*) FROM item WHERE name LIKE 'n%!'"))
    assert count == 40


async def test_a_writer_waiting_past_the_busy_timeout_is_told_the_database_is_locked(database):
    with pytest.raises(OperationalError) as raised:
        async with database.transaction() as outer:
            await outer.execute(text("INSERT INTO item (name) VALUES ('outer')"))
            async with database.transaction() as inner:  # the same engine: it waits for the outer one
                await inner.execute(text("INSERT INTO item (name) VALUES ('inner')"))
    assert "database is locked" in str(raised.value)
    assert database_unavailable(raised.value)  # a 503 to the caller, as the busy handler's error was
    async with database.transaction() as session:  # the gate was given back on rollback
        await session.execute(text("INSERT INTO item (name) VALUES ('after')"))
        names = (await session.execute(text("SELECT name FROM item ORDER BY id"))).scalars().all()
    assert names == ["first", "second", "after"]
