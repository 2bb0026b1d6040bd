"""Fixtures for the cross-service tests."""

from __future__ import annotations

import pytest

from tests.stack import SERVICES, Stack


@pytest.fixture
def stack_services() -> tuple[str, ...]:
    """The services the stack runs: all of them, unless a test directory or module narrows it to the ones it
    exercises (each consuming service joins consumer groups and has its own databases to make)."""
    return tuple(SERVICES)


@pytest.fixture
async def stack(broker, database_urls, stack_services):
    """The marketplace on the shared broker, on SQLite or PostgreSQL; the gateway answers 502 for routes of
    services the stack does not run."""
    running = Stack(bootstrap_servers=broker.bootstrap_servers, services=stack_services,
                    database_urls={name: await database_urls(name) for name in stack_services})
    await running.start()
    yield running
    await running.stop()
