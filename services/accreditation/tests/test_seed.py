"""The accreditation seed step against a running stack: three accredited providers, and a rerun that
changes nothing."""

import asyncio

import pytest

from deploy.local.seed import register_suppliers, seed, verify_suppliers
from deploy.local.seed_accreditation import PROVIDERS, accredit_providers

STEPS = [register_suppliers, verify_suppliers, accredit_providers]


@pytest.mark.parametrize("database_backend", ["sqlite"])
async def test_the_seed_accredits_three_providers_and_can_run_again(stack):
    url = stack.servers["gateway"].url
    first = await asyncio.to_thread(seed, url, report=lambda line: None, steps=STEPS)
    again = await asyncio.to_thread(seed, url, report=lambda line: None, steps=STEPS)
    ids = [first[f"accreditation:{name}"] for name in PROVIDERS]
    assert [again[f"accreditation:{name}"] for name in PROVIDERS] == ids and len(set(ids)) == 3
    for name, accreditation_id in zip(PROVIDERS, ids):
        accreditation = (await stack.client.get(f"/api/v1/accreditations/{accreditation_id}")).json()
        assert accreditation["status"] == "active" and accreditation["supplier_id"] == first[f"supplier:{name}"]
        assert accreditation["training_areas"] == PROVIDERS[name]["training_areas"]
        assert accreditation["version"] == 1
