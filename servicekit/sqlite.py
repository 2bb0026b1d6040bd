"""aiosqlite with one trip to the connection's thread per statement.

aiosqlite runs each sqlite3 call on the connection's own thread, and SQLAlchemy's adapter makes four
such calls per statement (open a cursor, execute, fetch the rows, close the cursor), then one to
commit and one more when the pool takes the connection back (rollback). Each trip wakes the worker
thread and waits for the loop to be handed the result, which on a busy machine was most of a simple
GET's time. Here a statement is one trip (the cursor is opened, run, read and closed on the thread),
and commit and rollback make no trip when SQLite holds no transaction: a read under sqlite3's default
transaction handling never opens one, and a rollback after a commit has nothing to undo.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from functools import partial
from typing import Any

import aiosqlite

_NO_ROWS: list = []


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

    def cursor(self) -> OneTripCursor:  # SQLAlchemy enters it with `async with`; no trip to open it
        return OneTripCursor(self)

    async def commit(self) -> None:
        if self._conn.in_transaction:
            await super().commit()

    async def rollback(self) -> None:
        if self._conn.in_transaction:
            await super().rollback()


def connect(database: str, *, iter_chunk_size: int = 64, **kwargs: Any) -> OneTripConnection:
    """What `aiosqlite.connect` does, with the connection above; SQLAlchemy passes its connect arguments."""
    connection = OneTripConnection(partial(sqlite3.connect, database, **kwargs), iter_chunk_size)
    connection._thread.daemon = True  # as SQLAlchemy's adapter does: an unclosed connection must not hold up exit
    return connection
