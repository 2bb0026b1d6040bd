"""Async database access: one engine per service, one transaction per request.

Service code never commits. The request's session commits once after the route returned, or
rolls back when anything raised. Each transaction is a unit of work: what must happen only once it
committed (waking the outbox relay, or another sender) is registered on it with `on_commit`, which
refuses a session that is not in a `Database.transaction()`.

A database that cannot be reached (refused, lost mid-request, SQLite locked past its busy timeout)
is a 503 with Retry-After, not a 500: the request may simply be sent again. Pooled connections are
pinged before use and a new connection is tried again briefly, both before anything was written; a
transaction is never retried once its commit was sent.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.util import await_

from servicekit import sqlite
from servicekit.problems import Problem

UNIT_OF_WORK_KEY = "unit_of_work"
log = logging.getLogger("servicekit.db")
RETRY_AFTER_SECONDS = 5
# PostgreSQL SQLSTATEs meaning "not now" rather than "wrong": the connection exception class, an
# administrator's or a crash shutdown, "cannot connect now" (starting or stopping), too many connections.
POSTGRES_UNAVAILABLE_STATES = ("08", "57P01", "57P02", "57P03", "53300")
SQLITE_UNAVAILABLE_ERRORS = frozenset({"SQLITE_BUSY", "SQLITE_LOCKED"})
# Pauses before trying a refused connection again: a database restarting or failing over is often
# back within a second, and nothing of the request has been written yet.
CONNECT_RETRY_PAUSES = (0.1, 0.3)
POSTGRES_CONNECT_TIMEOUT_SECONDS = 5.0


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(busy_timeout: float):
    def set_pragmas(dbapi_connection, _record) -> None:
        # WAL lets readers go on while one writer commits; busy_timeout waits for the write lock
        # instead of failing at once when the relay and a request write together.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    return set_pragmas


def _connect_with_retry(dialect, _record, cargs, cparams):
    """Open a connection, trying again briefly while the database refuses it."""
    for pause in CONNECT_RETRY_PAUSES:
        try:
            return dialect.connect(*cargs, **cparams)
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            log.info("database connection refused (%s); trying again in %.1f s", exc, pause)
            await_(asyncio.sleep(pause))
    return dialect.connect(*cargs, **cparams)


def create_engine(url: str, *, pool_size: int = 10, busy_timeout: float = 10.0) -> AsyncEngine:
    """An async engine for SQLite (file created with its folder) or PostgreSQL.

    `busy_timeout` is how long a SQLite write waits for another writer's lock before it fails."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # One trip to aiosqlite's thread per statement (servicekit.sqlite). A pool of fixed size: overflow
        # connections were closed as they came back and opened again under the next burst, each a thread
        # start, an open and four PRAGMAs; 2 x pool_size is more than the 15 the default pool allowed.
        pool = {"pool_size": 2 * pool_size, "max_overflow": 0} if database and database != ":memory:" else {}
        connect = partial(sqlite.connect, gate=sqlite.WriterGate(busy_timeout))
        engine = create_async_engine(url, connect_args={"timeout": busy_timeout, "async_creator_fn": connect}, **pool)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(busy_timeout))
        return engine
    # pre-ping: a pooled connection the database (or the network) closed is found out and replaced
    # before the request uses it, so requests succeed again as soon as the database is back.
    engine = create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
                                 connect_args={"timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS})
    event.listen(engine.sync_engine, "do_connect", _connect_with_retry)
    return engine


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        error = pending.pop()
        if error is None or id(error) in seen:
            continue
        seen.add(id(error))
        yield error
        pending += [error.__cause__, error.__context__, getattr(error, "orig", None)]


def _says_unavailable(error: BaseException) -> bool:
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, (ConnectionError, TimeoutError, socket.gaierror, PoolTimeout)):
        return True
    state = getattr(error, "sqlstate", None)
    if isinstance(state, str) and state.startswith(POSTGRES_UNAVAILABLE_STATES):
        return True
    return getattr(error, "sqlite_errorname", None) in SQLITE_UNAVAILABLE_ERRORS


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) says the database cannot be reached or used just now, so the
    same work may succeed later, as opposed to a fault of the statement or the data."""
    return any(_says_unavailable(error) for error in _causes(exc))


def unavailable_problem(*, while_committing: bool = False) -> Problem:
    """503 with Retry-After: the database is away, the request may be sent again shortly.

    Lost while committing, the change may have been saved or not; the caller is told so, to read it back
    (or retry with the same Idempotency-Key) rather than make it twice."""
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if while_committing:
        return Problem(503, "the database connection was lost while the change was being committed, so it may or "
                       "may not have been saved; read it back before sending it again",
                       kind="database-unavailable", headers=headers, commit_outcome="unknown")
    return Problem(503, "the service cannot reach its database just now; nothing was changed; try again in a "
                   "few seconds", kind="database-unavailable", headers=headers)


@dataclass
class UnitOfWork:
    """One transaction of a `Database`: the callbacks to run once it has committed."""

    database: Database
    after_commit: list[Callable[[], None]] = field(default_factory=list)


def unit_of_work(session: AsyncSession) -> UnitOfWork:
    """The unit of work the session belongs to; raises when it was not opened by `Database.transaction()`."""
    found = session.info.get(UNIT_OF_WORK_KEY)
    if found is None:
        raise RuntimeError("this session is not in a Database.transaction(): nothing would run after its commit")
    return found


def on_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Run `callback` once the session's transaction has committed (never on rollback)."""
    unit_of_work(session).after_commit.append(callback)


def wake_on_commit(session: AsyncSession, signal: str) -> None:
    """Set the database's named signal once the session's transaction has committed."""
    work = unit_of_work(session)
    work.after_commit.append(work.database.signal(signal).set)


class Database:
    """The engine and session factory of one service."""

    def __init__(self, url: str, *, busy_timeout: float = 10.0):
        self.url = url
        self.engine = create_engine(url, busy_timeout=busy_timeout)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._signals: dict[str, asyncio.Event] = {}

    def signal(self, name: str) -> asyncio.Event:
        """The event set after every committed transaction that asked for it by name (`wake_on_commit`): a
        sender waits on it instead of polling. One per name and database, made on first use."""
        return self._signals.setdefault(name, asyncio.Event())

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session that commits when the block ends and rolls back when it raises."""
        work = UnitOfWork(self)
        async with self.sessions(info={UNIT_OF_WORK_KEY: work}) as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await _roll_back(session)
                raise
        for callback in work.after_commit:
            callback()

    async def ping(self, timeout: float = 2.0) -> bool:
        """True when the database answers a trivial query within `timeout` seconds."""
        try:
            async with asyncio.timeout(timeout), self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def dispose(self) -> None:
        await self.engine.dispose()


async def _roll_back(session: AsyncSession) -> None:
    # On a connection that was lost the rollback fails too; the error that made the transaction fail
    # is the one to report, and the connection is discarded by the pool either way.
    try:
        await session.rollback()
    except Exception as exc:
        log.debug("rollback failed: %s", exc)


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    committing = False
    try:
        async with request.app.state.database.transaction() as session:
            yield session
            committing = True  # not reached when the route raised: what fails from here on is the commit
    except Exception as exc:
        if isinstance(exc, Problem) or not database_unavailable(exc):
            raise
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        request.app.state.metrics.database_unavailable.labels("request").inc()
        raise unavailable_problem(while_committing=committing) from exc


# scope="function": the commit happens before the response is sent, so a failed commit is
# reported to the caller instead of being lost after a 2xx.
SessionDep = Annotated[AsyncSession, Depends(_request_session, scope="function")]
