"""Fixtures of the toolkit's tests: the sample service, started in-process against a real database and broker."""

from __future__ import annotations

import itertools
from contextlib import AsyncExitStack

import httpx
import pytest

from servicekit.testing import GatewayIdentity, TcpProxy, create_postgres_database, drop_postgres_database
from servicekit.tests.sample.main import build
from servicekit.tests.sample.settings import SampleSettings
from servicekit.tests.support import ALICE, Sample, unique

_numbers = itertools.count(1)


def _starter(stack: AsyncExitStack, database_url, broker):
    async def start(*, subscriptions=None, clock=None, **overrides) -> Sample:
        values = {
            "database_url": await database_url(f"sample{next(_numbers)}"),
            "kafka_bootstrap_servers": broker.bootstrap_servers,
            "consumer_group": unique("sample"),
            "relay_poll_seconds": 30.0,
            "consumer_retry_backoff_seconds": 0.01,
        } | overrides
        settings = SampleSettings(**values)
        app = build(settings, subscriptions=subscriptions, clock=clock)
        await stack.enter_async_context(app.router.lifespan_context(app))
        # Exceptions escaping the app fail the test: every error must leave as a response.
        client = await stack.enter_async_context(httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://sample", auth=GatewayIdentity(ALICE, settings.service_name)))
        return Sample(app=app, client=client, settings=settings)

    return start


@pytest.fixture
async def start_sample(database_urls, broker):
    """Start a sample service on the backend under test: `await start_sample(**settings)`; stopped after the test."""
    async with AsyncExitStack() as stack:
        yield _starter(stack, database_urls, broker)


@pytest.fixture
def sqlite_urls(tmp_path):
    """Database URLs on SQLite only, for behaviour that does not depend on the database."""

    async def make(name: str) -> str:
        return f"sqlite+aiosqlite:///{tmp_path / (name + '.db')}"

    return make


@pytest.fixture
async def postgres_urls():
    """Fresh PostgreSQL databases only, for behaviour only PostgreSQL has (locks across replicas)."""
    created: list[str] = []

    async def make(name: str) -> str:
        created.append(await create_postgres_database(f"test_{name}"))
        return created[-1]

    yield make
    for url in created:
        await drop_postgres_database(url)


@pytest.fixture
async def start_sqlite_sample(sqlite_urls, broker):
    async with AsyncExitStack() as stack:
        yield _starter(stack, sqlite_urls, broker)


@pytest.fixture
async def start_postgres_sample(postgres_urls, broker):
    async with AsyncExitStack() as stack:
        yield _starter(stack, postgres_urls, broker)


@pytest.fixture
async def database_proxy():
    """A TCP proxy in front of the local PostgreSQL server that a test can cut and restore."""
    proxy = await TcpProxy("127.0.0.1", 5432).start()
    yield proxy
    await proxy.stop()


@pytest.fixture
async def start_proxied_sample(postgres_urls, database_proxy, broker):
    """Start a sample service on a fresh PostgreSQL database reached only through `database_proxy`."""

    async def through_proxy(name: str) -> str:
        return (await postgres_urls(name)).replace(":5432/", f":{database_proxy.port}/")

    async with AsyncExitStack() as stack:
        yield _starter(stack, through_proxy, broker)
