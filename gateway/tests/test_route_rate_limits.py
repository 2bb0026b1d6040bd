"""Routes with a budget of their own: anonymous registrations per address, whole-registry exports."""

from __future__ import annotations

import httpx
import pytest

from gateway.main import create_app
from gateway.settings import GatewaySettings
from gateway.tests.conftest import settings_for
from gateway.tests.support import serve
from servicekit.problems import PROBLEM_CONTENT_TYPE


@pytest.fixture
async def gateway_with(upstreams):
    """A gateway on the fake upstreams with the default route budgets, over the given overrides."""

    async def start(**overrides):
        settings = settings_for(**{f"{name}_url": url for name, url in upstreams.items()},
                                rate_limit_per_second=1000, rate_limit_burst=1000, **overrides)
        return serve(create_app(settings), proxy_headers=False)

    return start


async def test_an_address_registers_ten_suppliers_an_hour(gateway_with):
    async with await gateway_with() as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        answers = [await client.post("/api/v1/suppliers", json={"legal_name": f"S{i}"}) for i in range(11)]
        # Reads of the same resource are not in that budget.
        listed = await client.get("/api/v1/suppliers")
    assert [a.status_code for a in answers[:10]] == [200] * 10
    refused = answers[10]
    assert refused.status_code == 429 and refused.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert "POST /api/v1/suppliers" in refused.json()["detail"]
    assert int(refused.headers["retry-after"]) >= 300  # one registration comes back every 6 minutes
    assert listed.status_code == 200


async def test_registry_exports_have_a_lower_limit_than_reads(gateway_with):
    async with await gateway_with() as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        exports = [(await client.get("/api/v1/registry/export.csv")).status_code for _ in range(7)]
        reads = [(await client.get("/api/v1/registry")).status_code for _ in range(7)]
    assert exports == [200] * 6 + [429]
    assert reads == [200] * 7


async def test_a_setting_changes_or_lifts_a_budget(gateway_with):
    async with await gateway_with(route_rate_limits={"POST /api/v1/suppliers": "off",
                                                     "GET /api/v1/registry/export*": "2/minute"}) as url, \
            httpx.AsyncClient(base_url=url, timeout=30) as client:
        registrations = [(await client.post("/api/v1/suppliers", json={})).status_code for _ in range(12)]
        exports = [(await client.get("/api/v1/registry/export.csv")).status_code for _ in range(3)]
    assert registrations == [200] * 12
    assert exports == [200, 200, 429]


@pytest.mark.parametrize("budget", ["10", "ten/hour", "0/hour", "5/day"])
def test_a_malformed_budget_is_refused_at_startup(budget):
    with pytest.raises(ValueError, match="route rate limit"):
        GatewaySettings(environment="development", route_rate_limits={"POST /api/v1/suppliers": budget})
