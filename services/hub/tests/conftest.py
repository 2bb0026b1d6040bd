import uuid
from pathlib import Path

import pytest

import hub
from servicekit.db import Database
from servicekit.migrations import upgrade_to_head

from hub.registry.projection import SOURCE_TOPICS
from servicekit.testing import RunningServer, eventually
from services.hub.tests import feed

from services.hub.tests.fake_hub import FakeHub


@pytest.fixture
async def database(database_urls):
    """The hub's database alone, migrated (no service, no broker)."""
    db = Database(await database_urls("hub"))
    await upgrade_to_head(db, Path(hub.__file__).parent / "migrations")
    yield db
    await db.dispose()


@pytest.fixture
async def fake_hub():
    """A fake external hub on a loopback port; `url` is where the hub service pushes."""
    hub = FakeHub()
    server = await RunningServer(hub.app).start()
    hub.url = server.url
    yield hub
    await server.stop()


@pytest.fixture
async def synced(stack, fake_hub):
    """The marketplace with its hub service pushing to the fake hub (short backoff for tests)."""
    await stack.servers["hub"].stop()
    await stack.start_service("hub", sync_url=fake_hub.url, sync_backoff_first_seconds=0.05,
                              sync_backoff_cap_seconds=0.4, sync_poll_seconds=0.5)
    await consuming_every_topic(stack)
    return stack


async def consuming_every_topic(stack) -> None:
    """Wait until the hub's consumer holds partitions of every source topic (a topic that did not exist
    yet is made by a no-op event: a draft never enters the registry) and has applied everything on
    them, so timings start warm."""
    supplier_id = str(uuid.uuid4())
    await feed.produce_events(stack.bootstrap_servers, *(
        build(str(uuid.uuid4()), supplier_id, 1, status=status) for build, status in [
            (feed.offering, "draft"), (feed.accreditation, "suspended"), (feed.course, "draft"),
            (feed.agreement, "offered")]), feed.supplier(supplier_id, 1, status="pending_verification"))
    wanted = {topic.name for topic in SOURCE_TOPICS} - {"catalogue.category.v1"}

    async def caught_up():
        runner = stack.servers["hub"].app.state.consumer
        client = runner and runner._consumer
        if client is None or not wanted <= {tp.topic for tp in client.assignment()}:
            return False
        for partition in client.assignment():
            end = client.highwater(partition)
            if end is None or (await client.committed(partition) or 0) < end:
                return False
        return True

    await eventually(caught_up, interval=0.1)
