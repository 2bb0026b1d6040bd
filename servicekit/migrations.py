"""Alembic migrations per service, run at start-up before the service takes requests.

Each service has `<name>/migrations/` with an `env.py` that calls `run_migrations_in_env` and
revision files named by date. The first revision of every service calls `create_toolkit_tables`.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command, context, op
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection

from servicekit.db import Database
from servicekit.tables import TOOLKIT_TABLES


def create_toolkit_tables() -> None:
    """For a service's first revision: the outbox, inbox, versions, audit and idempotency tables."""
    for table in TOOLKIT_TABLES:
        table.create(op.get_bind())


def drop_toolkit_tables() -> None:
    for table in reversed(TOOLKIT_TABLES):
        table.drop(op.get_bind())


def _config(migrations_dir: Path, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.attributes["connection"] = connection
    return config


async def upgrade_to_head(database: Database, migrations_dir: Path) -> None:
    """Bring the service's database to the newest revision (serialised across replicas on PostgreSQL)."""
    async with database.engine.begin() as connection:
        if not database.is_sqlite:
            await connection.execute(text("SELECT pg_advisory_xact_lock(hashtext('alembic-upgrade'))"))
        await connection.run_sync(lambda sync: command.upgrade(_config(migrations_dir, sync), "head"))


async def schema_drift(database: Database, metadata: MetaData, tables: set[str]) -> list[tuple]:
    """How the migrated database differs from the models in `metadata` for `tables` (alembic's autogenerate
    comparison, types included): empty when the migrations build exactly the tables the models declare."""
    def compare(connection: Connection) -> list[tuple]:
        def included(item, name, kind, reflected, compare_to) -> bool:
            return (name if kind == "table" else item.table.name) in tables

        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": included})
        return compare_metadata(context, metadata)

    async with database.engine.connect() as connection:
        return await connection.run_sync(compare)


def run_migrations_in_env() -> None:
    """Body of every service's migrations/env.py: migrate over the connection handed in."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through servicekit.migrations.upgrade_to_head (the service does at start)")
    context.configure(connection=connection, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
