from tests.conftest import stack  # noqa: F401  (the marketplace behind its gateway)

import pytest

from servicekit.testing import RunningServer

from services.hub.tests.fake_hub import FakeHub


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
    return stack
