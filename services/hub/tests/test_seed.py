"""`make run`'s seed against the marketplace: agencies' use cases linked to the seeded offerings, two of them
with transparency records, and the registry showing the seeded marketplace."""

import asyncio

import pytest

from deploy.local.seed import OFFERINGS, STRATEGIC, seed
from deploy.local.seed_hub import TRANSPARENCY_RECORDS, USE_CASES, make_use_cases, write_transparency_records


@pytest.mark.parametrize("database_backend", ["sqlite"])  # the seed drives the API; one backend is enough
async def test_the_seed_registers_use_cases_and_the_registry_shows_the_marketplace(stack, database_backend):
    base_url = stack.servers["gateway"].url
    refs = await asyncio.to_thread(seed, base_url, report=lambda line: None)
    assert "supplier:kauri" in refs

    use_cases = (await stack.client.get("/api/v1/registry/use-cases", params={"limit": 100})).json()["data"]
    mine = {u["name"]: u for u in use_cases}
    assert set(mine) >= {entry[1] for entry in USE_CASES}
    assert len({u["agency"] for u in mine.values()}) >= 4
    benefit = mine["Benefit letter translation"]
    assert benefit["phase"] == "production" and [link["status"] for link in benefit["linked_offerings"]] == ["listed"]
    assert all(u["linked_offerings"] for u in mine.values())

    entries = (await stack.client.get("/api/v1/registry/export.json")).json()
    names = {e["name"] for e in entries}
    assert {offering[0] for rows in OFFERINGS.values() for offering in rows} <= names
    assert any(e["type"] == "strategic_partnership" and set(e["categories"]) == set(STRATEGIC["scope"])
               for e in entries)
    records = (await stack.client.get("/api/v1/registry/transparency/export.json")).json()
    assert sorted(r["name"] for r in records) == sorted(TRANSPARENCY_RECORDS)
    high = next(r for r in records if r["risk_level"] == "high")
    assert high["eu_ai_act_risk_class"] == "high" and high["external_supplier"] == ["Kauri AI"]
    again = await asyncio.to_thread(seed, base_url, report=lambda line: None,
                                    steps=[make_use_cases, write_transparency_records])
    assert again == {}
    after = (await stack.client.get("/api/v1/registry/use-cases", params={"limit": 100})).json()["data"]
    assert len(after) == len(use_cases)
