"""One transaction per request: committed once at the end, rolled back whole, side effects only after commit."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from servicekit.db import Database, on_commit, wake_on_commit
from servicekit.migrations import upgrade_to_head
from servicekit.problems import PROBLEM_CONTENT_TYPE
from servicekit.tables import AuditEntry, OutboxRecord
from servicekit.tests.sample.main import MIGRATIONS
from servicekit.tests.sample.models import SampleNote, SampleTag


@pytest.fixture
async def sample(start_sample):
    return await start_sample()


@pytest.fixture
async def database(database_urls):
    database = Database(await database_urls("dbunit"))
    await upgrade_to_head(database, MIGRATIONS)
    yield database
    await database.dispose()


async def test_request_commits_once_at_the_end(sample):
    response = await sample.client.post("/api/v1/batches", json={"titles": ["a", "b", "c"]},
                                        headers={"x-request-id": "batch-ok"})
    assert response.status_code == 201, response.text
    body = response.json()
    # Another connection saw none of the rows while the route ran: nothing was committed early.
    assert body["visible_before_commit"] == 0
    assert sample.app.state.commits == ["batch-ok"]
    assert await sample.count(SampleNote, SampleNote.id.in_(body["ids"])) == 3
    assert await sample.count(OutboxRecord, OutboxRecord.subject.in_(body["ids"])) == 3
    assert await sample.count(AuditEntry, AuditEntry.aggregate_id.in_(body["ids"])) == 3
    # The after-commit callback ran once, outside any transaction.
    assert sample.app.state.after_commit_calls == [("batch-ok", False)]


@pytest.mark.parametrize("fail, status", [("problem", 400), ("crash", 500)])
async def test_route_that_raises_leaves_no_partial_write(sample, fail, status):
    response = await sample.client.post("/api/v1/batches", json={"titles": ["a", "b", "c"], "fail": fail})
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert await sample.count(SampleNote) == 0
    assert await sample.count(OutboxRecord) == 0
    assert await sample.count(AuditEntry) == 0
    assert sample.app.state.commits == []
    assert sample.app.state.after_commit_calls == []


async def test_failing_commit_is_answered_with_an_error(sample):
    reached = []

    async def flushed():
        reached.append("flushed")

    sample.app.state.hooks["after_flush"] = flushed
    response = await sample.client.post("/api/v1/tags", json={"note_id": "no-such-note", "label": "orphan"})
    assert not 200 <= response.status_code < 300
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert reached == ["flushed"], "the route must get past its flush, so the failure is the commit's"
    assert await sample.count(SampleTag) == 0
    assert sample.app.state.after_commit_calls == []


async def test_commit_that_succeeds_after_a_deferred_check(sample):
    note = await sample.create_note()
    response = await sample.client.post("/api/v1/tags", json={"note_id": note["id"], "label": "fine"})
    assert response.status_code == 201
    assert sample.app.state.after_commit_calls == [("tag", "fine")]


async def test_transaction_commits_then_runs_callbacks_in_order(database):
    calls = []
    async with database.transaction() as session:
        on_commit(session, lambda: calls.append(("first", session.in_transaction())))
        on_commit(session, lambda: calls.append(("second", session.in_transaction())))
        await session.execute(text("INSERT INTO sample_projections (id, title, version, applied) "
                                   "VALUES ('p1', 't', 1, 0)"))
        assert calls == []
    assert calls == [("first", False), ("second", False)]
    async with database.sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM sample_projections")) == 1


async def test_transaction_rolls_back_and_drops_callbacks_when_the_block_raises(database):
    calls = []
    with pytest.raises(ZeroDivisionError):
        async with database.transaction() as session:
            await session.execute(text("INSERT INTO sample_projections (id, title, version, applied) "
                                       "VALUES ('p1', 't', 1, 0)"))
            on_commit(session, lambda: calls.append("ran"))
            1 / 0
    assert calls == []
    async with database.sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM sample_projections")) == 0
    # The next transaction starts clean: no callback left over from the failed one.
    async with database.transaction():
        pass
    assert calls == []


async def test_transaction_whose_commit_fails_raises_and_drops_callbacks(database):
    calls, flushed = [], []
    with pytest.raises(IntegrityError):
        async with database.transaction() as session:
            session.add(SampleTag(note_id="missing", label="orphan"))
            await session.flush()
            flushed.append(True)
            on_commit(session, lambda: calls.append("ran"))
    assert flushed == [True]
    assert calls == []


async def test_ping(database):
    assert await database.ping()
    unreachable = Database("postgresql+asyncpg://postgres@127.0.0.1:1/nothing")
    try:
        assert not await unreachable.ping()
    finally:
        await unreachable.dispose()


async def test_sqlite_file_and_folder_are_created_with_wal(tmp_path):
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'deep' / 'er' / 'x.db'}")
    try:
        assert database.is_sqlite
        async with database.engine.connect() as connection:
            assert (await connection.scalar(text("PRAGMA journal_mode"))) == "wal"
            assert (await connection.scalar(text("PRAGMA foreign_keys"))) == 1
            assert (await connection.scalar(text("PRAGMA busy_timeout"))) == 10000
        assert (tmp_path / "deep" / "er" / "x.db").exists()
    finally:
        await database.dispose()


async def test_timestamps_come_back_in_utc_on_every_backend(sample):
    note = await sample.create_note()
    [stored] = await sample.rows(SampleNote, SampleNote.id == note["id"])
    assert stored.created_at.utcoffset() == timedelta(0), "read back without its offset"
    read = (await sample.client.get(f"/api/v1/notes/{note['id']}")).json()
    for text_value in (note["created_at"], read["created_at"]):
        assert datetime.fromisoformat(text_value).utcoffset() == timedelta(0), text_value
    [audit] = await sample.rows(AuditEntry, AuditEntry.aggregate_id == note["id"])
    assert audit.at.tzinfo is not None
    # Comparing with the service clock must work whatever the backend.
    assert stored.created_at <= datetime.now(timezone.utc)


async def test_on_commit_refuses_a_session_outside_a_transaction(database):
    # A session opened by hand has no unit of work: what it registers would never run, so it fails loudly.
    async with database.sessions() as session:
        with pytest.raises(RuntimeError, match="not in a Database.transaction"):
            on_commit(session, lambda: None)


async def test_a_named_signal_is_set_only_after_a_transaction_that_asked_for_it_commits(database):
    signal = database.signal("sender")
    async with database.transaction() as session:
        wake_on_commit(session, "sender")
        assert not signal.is_set()
    assert signal.is_set() and database.signal("sender") is signal
    signal.clear()
    async with database.transaction():
        pass
    assert not signal.is_set()
