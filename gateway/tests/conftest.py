"""A gateway on a real socket in front of fake services, shared by the whole test session."""

from __future__ import annotations

import base64
import contextlib
import tempfile
from dataclasses import dataclass

import httpx
import pytest

from gateway.main import Gateway, create_app
from gateway.settings import GatewaySettings
from gateway.tests.support import IDENTITY_KEY_FILE, closed_port_url, fake_service, garbage_server, serve

ROUTE_TIMEOUT = 0.5


@dataclass
class Live:
    gateway: Gateway
    url: str
    client: httpx.AsyncClient
    tokens: dict[str, str]


def settings_for(**overrides) -> GatewaySettings:
    """Test settings: the test identity key, the dev clients file, a generous token budget, no GC tuning."""
    values = {"identity_key_file": IDENTITY_KEY_FILE, "token_rate_limit_burst": 1000, "gc_tuning": False,
              "clients_database_url": f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='gateway-clients-')}/gateway.db"
              } | overrides
    return GatewaySettings(**values)


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


async def issue(client: httpx.AsyncClient, client_id: str) -> str:
    response = await client.post("/api/v1/auth/token", data={"grant_type": "client_credentials"},
                                 headers={"Authorization": basic(client_id, f"{client_id}-dev-secret")})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.fixture(scope="session")
async def upstreams():
    """suppliers, catalogue, hub, partners and the assistant up; accreditation and assurance down; training answers
    garbage."""
    async with contextlib.AsyncExitStack() as stack:
        urls = {
            "suppliers": await stack.enter_async_context(
                serve(fake_service("suppliers", "suppliers", ["type", "title"]))),
            "catalogue": await stack.enter_async_context(
                serve(fake_service("catalogue", "offerings", ["type", "title", "errors"]))),
            "hub": await stack.enter_async_context(serve(fake_service("hub", "registry", ["type", "title"]))),
            "partners": await stack.enter_async_context(
                serve(fake_service("partners", "subscriptions", ["type", "title"]))),
            "assistant": await stack.enter_async_context(
                serve(fake_service("assistant", "assistant", ["type", "title"]))),
            "accreditation": closed_port_url(),
            "assurance": closed_port_url(),
            "training": await stack.enter_async_context(garbage_server()),
        }
        yield urls


@pytest.fixture(scope="session")
async def live(upstreams) -> Live:
    settings = settings_for(**{f"{name}_url": url for name, url in upstreams.items()},
                            upstream_timeout_seconds=5.0,
                            route_timeouts={"/api/v1/suppliers/slow*": ROUTE_TIMEOUT},
                            rate_limit_per_second=1000, rate_limit_burst=1000)
    gateway = create_app(settings)
    # The gateway is the public edge here: it must not believe a client-sent X-Forwarded-For.
    async with serve(gateway, proxy_headers=False) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        tokens = {name: await issue(client, name) for name in ("admin", "buyer")}
        yield Live(gateway, url, client, tokens)


@contextlib.asynccontextmanager
async def asgi_gateway(gateway: Gateway):
    """An httpx client calling the gateway in-process, with its lifespan running."""
    async with gateway.lifespan():
        transport = httpx.ASGITransport(app=gateway, client=("10.1.2.3", 5555))
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
            yield client
