"""The marketplace running inside the test process: real gateway, real services, real broker."""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass, field

import httpx

from accreditation.main import build as build_accreditation
from assistant.main import build as build_assistant
from assistant.settings import AssistantSettings
from accreditation.settings import AccreditationSettings
from assurance.main import build as build_assurance
from assurance.settings import AssuranceSettings
from catalogue.main import build as build_catalogue
from catalogue.settings import CatalogueSettings
from gateway.main import create_app as build_gateway
from gateway.routes import ROUTE_RATE_LIMITS
from gateway.settings import GatewaySettings
from hub.main import build as build_hub
from hub.settings import HubSettings
from partners.main import build as build_partners
from partners.settings import PartnersSettings
from servicekit.clock import SettableClock
from servicekit.testing import RunningServer, free_port
from testsupport.kafka_tools import start_groups_at_the_end
from suppliers.main import build as build_suppliers
from suppliers.settings import SuppliersSettings
from training.main import build as build_training
from training.settings import TrainingSettings
from web.main import build as build_web
from web.settings import WebSettings

SERVICES = {
    "suppliers": (build_suppliers, SuppliersSettings),
    "catalogue": (build_catalogue, CatalogueSettings),
    "accreditation": (build_accreditation, AccreditationSettings),
    "training": (build_training, TrainingSettings),
    "hub": (build_hub, HubSettings),
    "partners": (build_partners, PartnersSettings),
    "assistant": (build_assistant, AssistantSettings),
    "assurance": (build_assurance, AssuranceSettings),
}
# Settings the tests run with unless a test says otherwise: a test that publishes and then counts facets
# expects the new count at once (tests/test_search.py tests the facet cache itself).
# Semantic search is off unless a test turns it on (services/catalogue/tests/test_search_hybrid.py): embedding
# is slow here, and the other tests expect keyword results.
# The certificate check runs once at start, then tests call it themselves with the clock where they want it.
TEST_SETTINGS = {"catalogue": {"facet_cache_seconds": 0, "semantic_search": False, "certificate_check_seconds": 3600}}
NOT_RUNNING = "http://127.0.0.1:9"  # the discard port, closed: routes of services left out answer 502
DEV_SECRETS = {role: f"{role}-dev-secret" for role in ("admin", "assessor", "buyer", "partner")}


def _scratch_sqlite(name: str) -> str:
    return f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix=f'{name}-')}/{name}.db"


@dataclass
class Stack:
    """Services and a gateway in front of them; `client` talks to the gateway."""

    bootstrap_servers: str
    database_urls: dict[str, str]
    clock: SettableClock = field(default_factory=SettableClock)
    servers: dict[str, RunningServer] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    client: httpx.AsyncClient | None = None
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    services: tuple[str, ...] = tuple(SERVICES)
    # The web pages, in front of nothing but the gateway (they call its public API like a browser would).
    web: bool = True
    # Whether the consumers start at the end of what earlier tests left on the shared broker (see
    # start_groups_at_the_end); a test that puts events on the broker for a stack to find turns it off.
    skip_history: bool = True

    def settings_for(self, name: str, **overrides):
        settings_class = SERVICES[name][1]
        return settings_class(database_url=self.database_urls[name], kafka_bootstrap_servers=self.bootstrap_servers,
                              consumer_group=f"{name}-{self.run_id}",
                              **(TEST_SETTINGS.get(name, {}) | overrides))

    async def start_service(self, name: str, **overrides) -> RunningServer:
        """Start (or restart on its old port) one service."""
        build = SERVICES[name][0]
        old = self.servers.get(name)
        server = RunningServer(build(self.settings_for(name, **overrides), clock=self.clock),
                               port=old.port if old else None)
        self.servers[name] = await server.start()
        return server

    async def start(self, gateway_overrides: dict | None = None, web_overrides: dict | None = None) -> Stack:
        if self.skip_history:
            await start_groups_at_the_end(self.bootstrap_servers, [self.settings_for(name).consumer_group
                                                                   for name in self.services])
        for name in self.services:
            await self.start_service(name)
        gateway_port = free_port()
        if self.web:
            gateway_url = f"http://127.0.0.1:{gateway_port}"
            web_settings = WebSettings(**{"environment": "development",
                                          "gateway_url": gateway_url, "public_url": gateway_url,
                                          **(web_overrides or {})})
            self.servers["web"] = await RunningServer(build_web(web_settings)).start()
        gateway_settings = GatewaySettings(
            upstream_timeout_seconds=30.0, rate_limit_per_second=10000,
            rate_limit_burst=10000, token_rate_limit_per_second=1000, token_rate_limit_burst=1000,
            # Every test registers its suppliers from this one address; the limits are tested on their own.
            route_rate_limits={rule: "off" for rule in ROUTE_RATE_LIMITS},
            **{f"{name}_url": self.servers[name].url if name in self.servers else NOT_RUNNING for name in SERVICES},
            web_url=self.servers["web"].url if self.web else NOT_RUNNING,
            **({"clients_database_url": self.database_urls.get("gateway") or _scratch_sqlite("gateway")}
               | (gateway_overrides or {})))
        self.servers["gateway"] = await RunningServer(build_gateway(gateway_settings), port=gateway_port).start()
        self.client = httpx.AsyncClient(base_url=self.servers["gateway"].url, timeout=60)
        return self

    async def stop(self) -> None:
        if self.client:
            await self.client.aclose()
        for server in reversed(list(self.servers.values())):
            await server.stop()

    async def token(self, role: str) -> str:
        """A bearer token for one of the development clients (cached: issuing one is deliberately slow)."""
        if role not in self.tokens:
            response = await self.client.post("/api/v1/auth/token", data={
                "grant_type": "client_credentials", "client_id": role, "client_secret": DEV_SECRETS[role]})
            assert response.status_code == 200, response.text
            self.tokens[role] = response.json()["access_token"]
        return self.tokens[role]

    async def as_role(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.token(role)}"}

    async def client_token(self, client_id: str, client_secret: str) -> httpx.Response:
        """Ask the gateway for a token with any client's credentials (a supplier's, say)."""
        return await self.client.post("/api/v1/auth/token", data={
            "grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret})

    async def as_new_client(self, role: str, agency: str | None = None) -> dict[str, str]:
        """Authorization of a client an admin just made in the gateway's client registry (a buyer of `agency`)."""
        made = await self.client.post("/api/v1/clients", json={"name": f"{role} of {agency or 'tests'}", "role": role}
                                      | ({"agency": agency} if agency else {}), headers=await self.as_role("admin"))
        assert made.status_code == 201, made.text
        return await self.as_supplier(made.json())

    async def as_supplier(self, credentials: dict) -> dict[str, str]:
        """Authorization header for a supplier, from the credentials its registration returned."""
        response = await self.client_token(credentials["client_id"], credentials["client_secret"])
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}
