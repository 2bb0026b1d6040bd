"""Migrations at start-up: idempotent, serialised across replicas, and refusing to run any other way."""

import asyncio

import pytest
from alembic import command
from sqlalchemy import inspect, text

from servicekit.db import Database
from servicekit.migrations import _config, upgrade_to_head
from servicekit.tests.sample.main import MIGRATIONS

HEAD = "2026_11_28_0001"
TABLES = {"outbox", "inbox", "seen_versions", "audit_history", "idempotency_keys", "sample_notes", "sample_tags",
          "sample_projections", "alembic_version"}


async def layout(database: Database) -> tuple[set[str], dict[str, set[str]], str]:
    async with database.engine.connect() as connection:
        def read(sync):
            inspector = inspect(sync)
            uniques = {table: {u["name"] for u in inspector.get_unique_constraints(table)}
                       for table in ("audit_history", "idempotency_keys")}
            return set(inspector.get_table_names()), uniques

        tables, uniques = await connection.run_sync(read)
        version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    return tables, uniques, version


async def test_upgrade_to_head_is_idempotent(database_urls):
    database = Database(await database_urls("migrations"))
    try:
        await upgrade_to_head(database, MIGRATIONS)
        first = await layout(database)
        async with database.transaction() as session:
            await session.execute(text("INSERT INTO sample_projections (id, title, version, applied) "
                                       "VALUES ('kept', 't', 1, 0)"))
        await upgrade_to_head(database, MIGRATIONS)
        assert await layout(database) == first
        tables, uniques, version = first
        assert TABLES <= tables
        assert version == HEAD
        assert "uq_audit_version" in uniques["audit_history"]
        assert "uq_idempotency_principal_key" in uniques["idempotency_keys"]
        async with database.sessions() as session:
            assert await session.scalar(text("SELECT count(*) FROM sample_projections")) == 1
    finally:
        await database.dispose()


async def test_replicas_starting_together_migrate_once_on_postgres(postgres_urls):
    url = await postgres_urls("replicas")
    replicas = [Database(url) for _ in range(3)]
    try:
        await asyncio.gather(*(upgrade_to_head(replica, MIGRATIONS) for replica in replicas))
        assert (await layout(replicas[0]))[2] == HEAD
    finally:
        for replica in replicas:
            await replica.dispose()


def test_migrations_refuse_to_run_outside_upgrade_to_head():
    with pytest.raises(RuntimeError, match="upgrade_to_head"):
        command.upgrade(_config(MIGRATIONS), "head")
