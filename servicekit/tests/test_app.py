"""The app factory: readiness, background jobs, consumers switched on or off, real sockets, lazy apps."""

import asyncio

import httpx
import pytest

from servicekit.app import ServiceDefinition, create_app, lazy_app
from servicekit.broker import free_port
from servicekit.consumer import on
from servicekit.identity import IDENTITY_HEADER
from servicekit.problems import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE
from servicekit.testing import RunningServer, drop_postgres_database, eventually, identity_headers
from servicekit.tests.sample.events import NoteRecorded
from servicekit.tests.sample.handlers import apply_note_event
from servicekit.tests.sample.main import MIGRATIONS, build
from servicekit.tests.sample.routes import router
from servicekit.tests.sample.settings import SampleSettings
from servicekit.tests.support import ALICE, unique

NO_IDENTITY = {IDENTITY_HEADER: ""}


async def test_ready_when_database_and_broker_answer(start_sample):
    sample = await start_sample()

    async def ready():
        # Each check has a deadline of its own; on a busy machine the first may miss it.
        response = await sample.client.get("/readyz", headers=NO_IDENTITY)
        return response if response.status_code == 200 else None

    response = await eventually(ready)
    assert response.json() == {"status": "ready", "checks": {"database": True, "broker": True}}


async def test_not_ready_while_the_broker_is_unreachable(start_sqlite_sample):
    sample = await start_sqlite_sample(kafka_bootstrap_servers=f"127.0.0.1:{free_port()}")
    response = await sample.client.get("/readyz", headers=NO_IDENTITY)
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert body["type"] == PROBLEM_TYPE_BASE + "not-ready"
    assert body["checks"] == {"database": True, "broker": False}
    assert "broker" in body["detail"]
    # Liveness is another matter: the process is up.
    assert (await sample.client.get("/healthz", headers=NO_IDENTITY)).status_code == 200


async def test_not_ready_once_the_database_is_gone(start_postgres_sample):
    sample = await start_postgres_sample()
    await sample.database.dispose()
    await drop_postgres_database(sample.settings.database_url)
    response = await sample.client.get("/readyz", headers=NO_IDENTITY)
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": False, "broker": True}


async def test_jobs_run_with_the_app_and_stop_with_it(tmp_path, broker):
    ticks = []
    failed_once = []

    async def tick(app):
        ticks.append(app.state.settings.service_name)
        await asyncio.sleep(3600)

    async def flaky(app):
        if not failed_once:
            failed_once.append(True)
            raise RuntimeError("first run fails; the job is started again")
        ticks.append("flaky")
        await asyncio.sleep(3600)

    settings = SampleSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'jobs.db'}",
                              kafka_bootstrap_servers=broker.bootstrap_servers)
    app = create_app(ServiceDefinition(title="jobs", settings=settings, routers=[router], migrations_dir=MIGRATIONS,
                                       jobs={"tick": tick, "flaky": flaky}))
    before = asyncio.all_tasks()
    async with app.router.lifespan_context(app):
        await _until(lambda: "flaky" in ticks, timeout=5)
        assert ticks.count("sample") == 1
        started = asyncio.all_tasks() - before
        assert app.state.consumer is None, "no subscriptions, no consumer"
    await asyncio.sleep(0)
    assert all(task.done() for task in started), "a background task outlived the app"


async def test_consumer_runs_only_when_enabled(start_sqlite_sample):
    subscriptions = on(NoteRecorded, handler=apply_note_event)
    enabled = await start_sqlite_sample(subscriptions=subscriptions)
    assert enabled.app.state.consumer is not None
    assert enabled.app.state.consumer.group == enabled.settings.consumer_group
    disabled = await start_sqlite_sample(subscriptions=subscriptions, consumers_enabled=False)
    assert disabled.app.state.consumer is None


async def test_service_on_a_real_socket(tmp_path, broker):
    settings = SampleSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'socket.db'}",
                              kafka_bootstrap_servers=broker.bootstrap_servers, consumer_group=unique("socket"))
    server = await RunningServer(build(settings)).start()
    try:
        async with httpx.AsyncClient(base_url=server.url) as client:
            assert (await client.get("/healthz")).json() == {"status": "ok"}
            assert (await client.get("/api/v1/notes")).status_code == 401
            created = await client.post("/api/v1/notes", json={"title": "over tcp"}, headers=identity_headers(ALICE, "sample"))
            assert created.status_code == 201
            assert created.headers["location"] == f"/api/v1/notes/{created.json()['id']}"
            crashed = await client.get("/api/v1/boom", headers=identity_headers(ALICE, "sample"))
            assert crashed.status_code == 500
            assert crashed.headers["content-type"] == PROBLEM_CONTENT_TYPE
    finally:
        await server.stop()


def test_lazy_app_builds_on_first_use_only():
    built = []
    module_getattr = lazy_app(lambda: built.append("app") or "the app")
    assert built == []
    assert module_getattr("app") == "the app"
    with pytest.raises(AttributeError):
        module_getattr("something_else")
    assert built == ["app"]


def test_openapi_lists_the_service_routes(tmp_path):
    settings = SampleSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'doc.db'}")
    schema = build(settings).openapi()
    assert "/api/v1/notes/{note_id}" in schema["paths"]
    assert "/healthz" not in schema["paths"]


async def _until(check, timeout: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)
