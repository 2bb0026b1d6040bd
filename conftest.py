"""Fixtures shared by every test folder: the embedded broker and database URLs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from servicekit.broker import EmbeddedBroker
from servicekit.testing import create_postgres_database, drop_postgres_database

LOG_DIR = Path(__file__).parent / "var" / "test-logs"
# Settings default to production; the tests run the development setup (its secrets and clients) on purpose.
os.environ.setdefault("ENVIRONMENT", "development")


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
