"""Fixtures for the cross-service tests."""

from __future__ import annotations

import pytest

from tests.stack import SERVICES, Stack


@pytest.fixture
async def stack(broker, database_urls):
    """The marketplace on the shared broker, on SQLite or PostgreSQL."""
    running = Stack(bootstrap_servers=broker.bootstrap_servers,
                    database_urls={name: await database_urls(name) for name in SERVICES})
    await running.start()
    yield running
    await running.stop()
