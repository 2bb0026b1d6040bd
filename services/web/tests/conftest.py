"""Fixtures of the web tests: one seeded marketplace behind its real gateway, the pages in front of it.

The pages only read and write through the gateway's API, so one stack seeded with the demo data
(deploy/local/seed.py, the same as `make run`) serves every test of the run; each test makes what it
changes (a shortlist, a course session) itself.
"""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from deploy.local.seed import seed
from servicekit.testing import PATIENCE_SECONDS
from testsupport.stack import SERVICES, Stack

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


@pytest.fixture(scope="session")
async def site(broker, tmp_path_factory):
    """The seeded marketplace on SQLite; `site.client` talks to the gateway."""
    data = tmp_path_factory.mktemp("web-stack")
    stack = Stack(bootstrap_servers=broker.bootstrap_servers,
                  database_urls={name: f"sqlite+aiosqlite:///{data / (name + '.db')}" for name in SERVICES})
    # A busy machine can keep a page's API call waiting longer than the pages' production timeout.
    await stack.start(web_overrides={"gateway_timeout_seconds": PATIENCE_SECONDS})
    # The seed is a synchronous client; in a thread, the servers keep answering on this loop.
    await asyncio.to_thread(seed, stack.servers["gateway"].url, report=lambda line: None)
    yield stack
    await stack.stop()


class Browser:
    """A cookie-keeping HTTP client on the gateway's public port, reading forms as a browser without scripts would."""

    def __init__(self, base_url: str):
        self.http = httpx.AsyncClient(base_url=base_url, timeout=60, follow_redirects=True)

    async def get(self, path: str, **kwargs) -> httpx.Response:
        return await self.http.get(path, **kwargs)

    async def post_form(self, page: str, action: str, data: dict) -> httpx.Response:
        """Submit a form found on `page` with its CSRF token."""
        html = (await self.http.get(page)).text
        return await self.http.post(action, data={"csrf_token": CSRF.search(html).group(1), **data})

    async def sign_in(self, role: str) -> None:
        response = await self.post_form("/sign-in", "/sign-in", {"client_id": role, "next": "/"})
        assert response.status_code == 200, response.text

    async def aclose(self) -> None:
        await self.http.aclose()


@pytest.fixture
async def browser(site):
    client = Browser(site.servers["gateway"].url)
    yield client
    await client.aclose()
