"""The fixtures every test folder shares: the embedded broker, database URLs on either backend, the spans
finished in this process, and the marketplace behind its gateway (the root conftest.py registers this
module as a plugin, so no test folder imports it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from servicekit.broker import EmbeddedBroker
from servicekit.testing import create_postgres_database, drop_postgres_database
from testsupport.stack import SERVICES, Stack

LOG_DIR = Path(__file__).resolve().parent.parent / "var" / "test-logs"


def pytest_configure(config):
    config.addinivalue_line("markers", "runs_long: a test of a minute or more, started before the others")


def pytest_collection_modifyitems(items):
    """The longest tests first: the test workers take tests in this order, so a long one started last
    would keep the whole run waiting on it alone while the other workers sit idle."""
    items.sort(key=lambda item: item.get_closest_marker("runs_long") is None)


@pytest.fixture(scope="session")
def broker():
    """One embedded broker for the whole run (tests use their own topics' consumer groups)."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    # One broker per test worker process (pytest-xdist), each with its own log.
    running = EmbeddedBroker(log_file=LOG_DIR / f"broker-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.log")
    running.start()
    os.environ["KAFKA_BOOTSTRAP_SERVERS"] = running.bootstrap_servers
    yield running
    running.stop()


@pytest.fixture
def own_broker(tmp_path):
    """A broker of the test's own, for tests that stop, cut or restart it without disturbing any other."""
    running = EmbeddedBroker(log_file=tmp_path / "broker.log")
    running.start()
    yield running
    running.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def database_backend(request) -> str:
    return request.param


@pytest.fixture
async def database_urls(database_backend, tmp_path):
    """A function returning a fresh database URL per service name, on the chosen backend."""
    created: list[str] = []

    async def make(service: str) -> str:
        if database_backend == "sqlite":
            return f"sqlite+aiosqlite:///{tmp_path / (service + '.db')}"
        url = await create_postgres_database(f"test_{service}")
        created.append(url)
        return url

    yield make
    for url in created:
        await drop_postgres_database(url)


@pytest.fixture(scope="session")
def spans():
    """Every span finished in this process, kept in memory (installed before any service starts)."""
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider(resource=Resource.create({"service.name": "tests"}))
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


@pytest.fixture
def stack_services() -> tuple[str, ...]:
    """The services the stack runs: all of them, unless a test directory or module narrows it to the ones it
    exercises (each consuming service joins consumer groups and has its own databases to make)."""
    return tuple(SERVICES)


@pytest.fixture
def stack_reads_history() -> bool:
    """Whether the stack's consumers read what earlier tests left on the shared broker: no, unless a test
    module compares its projections with a rebuild from every event on the broker."""
    return False


@pytest.fixture
async def stack(broker, database_urls, stack_services, stack_reads_history):
    """The marketplace on the shared broker, on SQLite or PostgreSQL; the gateway answers 502 for routes of
    services the stack does not run."""
    running = Stack(bootstrap_servers=broker.bootstrap_servers, services=stack_services,
                    database_urls={name: await database_urls(name) for name in (*stack_services, "gateway")},
                    skip_history=not stack_reads_history)
    await running.start()
    yield running
    await running.stop()
