"""aiosqlite with one trip to the connection's thread per statement.

aiosqlite runs each sqlite3 call on the connection's own thread, and SQLAlchemy's adapter makes four
such calls per statement (open a cursor, execute, fetch the rows, close the cursor), then one to
commit and one more when the pool takes the connection back (rollback). Each trip wakes the worker
thread and waits for the loop to be handed the result, which on a busy machine was most of a simple
GET's time. Here a statement is one trip (the cursor is opened, run, read and closed on the thread),
and commit and rollback make no trip when SQLite holds no transaction: a read under sqlite3's default
transaction handling never opens one, and a rollback after a commit has nothing to undo.

SQLite has one writer at a time. Connections of one engine that all try to write at once used to find
the file locked and sleep in SQLite's busy handler (1, 2, 5, 10 ... 100 ms), on their threads, until
the lock was free; under 32 concurrent registrations that sleeping was most of the time. A writer gate
per engine queues them in the event loop instead: a connection takes it before the statement that
opens a write transaction and gives it back at commit or rollback. Waiting longer than the busy
timeout raises SQLite's own "database is locked", as the busy handler did, so a transaction that
waits on another of the same task still fails after the timeout rather than hanging.
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from collections.abc import Sequence
from functools import partial
from typing import Any

import aiosqlite

_NO_ROWS: list = []
_OPENS_WRITE = ("INSERT", "UPDATE", "DELETE", "REPLAC")  # what sqlite3 begins a transaction before


class WriterGate:
    """One write transaction at a time among an engine's connections, queued in the event loop."""

    def __init__(self, timeout: float):
        self.timeout = timeout
        # One lock per event loop: an engine outliving a loop (tests) must not carry a lock bound to it.
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()

    async def enter(self) -> asyncio.Lock:
        """Wait for the gate; returns the lock to release."""
        lock = self._locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())
        try:
            async with asyncio.timeout(self.timeout):
                await lock.acquire()
        except TimeoutError:
            raise locked() from None
        return lock


def locked() -> sqlite3.OperationalError:
    """The error SQLite's busy handler gives up with, named as sqlite3 names it (servicekit.db reads the name)."""
    error = sqlite3.OperationalError("database is locked")
    error.sqlite_errorcode, error.sqlite_errorname = sqlite3.SQLITE_BUSY, "SQLITE_BUSY"
    return error


def _run(connection: sqlite3.Connection, many: bool, sql: str, parameters: Any) -> tuple:
    """On the connection's thread: the statement, its rows and what the cursor tells after it."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
        rows = cursor.fetchall() if cursor.description else _NO_ROWS
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneTripCursor:
    """The part of aiosqlite's cursor SQLAlchemy uses; the rows are read with the statement."""

    arraysize = 1

    def __init__(self, connection: OneTripConnection):
        self._connection = connection
        self.description = None
        self.rowcount = -1
        self.lastrowid = None
        self._rows: list = _NO_ROWS

    async def __aenter__(self) -> OneTripCursor:
        return self

    async def __aexit__(self, *_exc) -> None:
        self._rows = _NO_ROWS

    async def _run(self, many: bool, sql: str, parameters: Any) -> OneTripCursor:
        await self._connection.before_statement(sql)
        self.description, self.rowcount, self.lastrowid, self._rows = await self._connection._execute(
            _run, self._connection._conn, many, sql, parameters)
        return self

    async def execute(self, sql: str, parameters: Any = ()) -> OneTripCursor:
        return await self._run(False, sql, parameters)

    async def executemany(self, sql: str, parameters: Sequence[Any]) -> OneTripCursor:
        return await self._run(True, sql, parameters)

    async def fetchall(self) -> list:
        rows, self._rows = self._rows, _NO_ROWS
        return rows

    async def fetchmany(self, size: int | None = None) -> list:
        size = size or self.arraysize
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows

    async def fetchone(self) -> Any:
        rows = await self.fetchmany(1)
        return rows[0] if rows else None

    async def close(self) -> None:
        self._rows = _NO_ROWS


class OneTripConnection(aiosqlite.Connection):
    """An aiosqlite connection whose cursors run a statement in one trip and whose commit and rollback
    make none when there is no transaction (`in_transaction` is read from the connection, not the thread)."""

    def __init__(self, *args: Any, gate: WriterGate | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._gate = gate
        self._writing: asyncio.Lock | None = None  # the gate's lock, while this connection holds it

    async def before_statement(self, sql: str) -> None:
        """Take the writer gate before the statement that will open a write transaction."""
        if (self._gate is not None and not self._writing and not self._conn.in_transaction
                and sql.lstrip()[:6].upper().startswith(_OPENS_WRITE)):
            self._writing = await self._gate.enter()

    def _leave_gate(self) -> None:
        if self._writing is not None:
            lock, self._writing = self._writing, None
            lock.release()

    def cursor(self) -> OneTripCursor:  # SQLAlchemy enters it with `async with`; no trip to open it
        return OneTripCursor(self)

    async def commit(self) -> None:
        try:
            if self._conn.in_transaction:
                await super().commit()
        finally:
            if not self._connection or not self._connection.in_transaction:
                self._leave_gate()

    async def rollback(self) -> None:
        try:
            if self._conn.in_transaction:
                await super().rollback()
        finally:
            self._leave_gate()

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            self._leave_gate()

    def stop(self):
        self._leave_gate()
        return super().stop()


def connect(database: str, *, iter_chunk_size: int = 64, gate: WriterGate | None = None,
            **kwargs: Any) -> OneTripConnection:
    """What `aiosqlite.connect` does, with the connection above; SQLAlchemy passes its connect arguments."""
    connection = OneTripConnection(partial(sqlite3.connect, database, **kwargs), iter_chunk_size, gate=gate)
    connection._thread.daemon = True  # as SQLAlchemy's adapter does: an unclosed connection must not hold up exit
    return connection
