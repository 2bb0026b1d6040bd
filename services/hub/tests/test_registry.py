"""The registry over the real broker: a shuffled, duplicated stream gives the registry of in-order delivery;
exports and insights on a seeded registry; the rebuild from the topics gives the same registry; bad
input gets problem+json."""

import asyncio
import csv
import io
import itertools
import os
import random
import sys
import uuid
from collections import Counter
from datetime import datetime, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from events import catalogue as cat
from events.hub import RegistryEntryState
from hub.registry.projection import Registry
from servicekit.testing import eventually
from services.hub.tests import feed
from services.hub.tests.flows import ENTRIES, USE_CASES, entry, use_case_body

PROBLEM = "application/problem+json"


def normal(document: dict) -> dict:
    """An entry's content, without the hub's own change counter."""
    return RegistryEntryState.model_validate(document).model_dump(mode="json")


@pytest.fixture
def stack_reads_history() -> bool:
    """The rebuilds read every event on the broker: the live registry must have seen them all too."""
    return True


async def exported(stack) -> list[dict]:
    response = await stack.client.get("/api/v1/registry/export.json")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    return response.json()


async def test_a_shuffled_duplicated_stream_gives_the_in_order_registry_and_the_rebuild_the_same(stack):
    rng = random.Random(20261127)
    in_order = feed.history(rng, suppliers=3, sources=14)
    model = Registry()
    for event in in_order:
        model.apply(event)
    expected = {i: normal(e) for i, e in model.entries().items() if e["listed"]}
    suppliers = {e.aggregate_id for e in in_order if e.TOPIC == "suppliers.supplier.v1"}

    envelopes = [feed.wrapped(e) for e in in_order]
    stream = envelopes + [rng.choice(envelopes) for _ in range(15)]  # redelivered: same ce_id
    stream += [feed.wrapped(rng.choice(in_order)) for _ in range(15)]  # republished: same version, new ce_id
    rng.shuffle(stream)
    await feed.produce(stack.bootstrap_servers, stream)

    async def same():
        found = {e["id"]: normal(e) for e in await exported(stack) if e["supplier_id"] in suppliers}
        return found == expected

    assert expected, "the history should leave something in the registry"
    await eventually(same)
    await the_rebuild_from_the_topics_gives_the_same_registry(stack)


# Every seeding first goes live in a year of its own: the broker, and so each registry, holds them all.
SEED_YEARS = itertools.count(1990)


async def seeded(stack) -> dict:
    """A registry with one of each marketplace kind (first live in January or February of a year of its
    own) and three use cases."""
    year = next(SEED_YEARS)
    seed_at = datetime(year, 1, 15, tzinfo=timezone.utc)
    supplier_id = str(uuid.uuid4())
    offering_ids = [str(uuid.uuid4()) for _ in range(3)]
    accreditation_id, course_id, partnership_id = (str(uuid.uuid4()) for _ in range(3))
    february = seed_at.replace(month=2)
    await feed.produce_events(
        stack.bootstrap_servers,
        feed.supplier(supplier_id, 1, name="@Tui Speech", at=seed_at),
        feed.offering(offering_ids[0], supplier_id, 1, name="Tui Kōrero", categories=("ai.speech",), at=seed_at),
        feed.offering(offering_ids[1], supplier_id, 1, name="+Tui Pātai", categories=("ai.chatbots-and-search",),
                      risk="high", at=february),
        feed.offering(offering_ids[2], supplier_id, 1, name="Tui Draft", status="draft", at=february),
        feed.accreditation(accreditation_id, supplier_id, 1, at=february),
        feed.course(course_id, supplier_id, 1, at=february),
        feed.agreement(partnership_id, supplier_id, 1, at=seed_at),
    )
    ids = {f"offering:{offering_ids[0]}", f"offering:{offering_ids[1]}", f"accreditation:{accreditation_id}",
           f"course:{course_id}", f"strategic_partnership:{partnership_id}"}
    for entry_id in ids:
        await eventually(lambda entry_id=entry_id: entry(stack, entry_id))
    # The supplier's name comes on its own topic, which the hub may read after the offerings'.
    await eventually(lambda: _named(stack, f"offering:{offering_ids[0]}"))
    # Use cases of two agencies, so an admin registers them (a buyer registers for its own agency only).
    admin = await stack.as_role("admin")
    agency = f"Te Tari {uuid.uuid4().hex[:6]}"
    bodies = [use_case_body(agency=agency, name='=HYPERLINK("http://evil.example","click")',
                            linked_offering_ids=[offering_ids[0]], category="ai.speech"),
              use_case_body(agency=agency, name="Triage assistant", risk_level="high", phase="pilot"),
              use_case_body(agency="Other agency " + agency, name="Fraud signals", phase="design")]
    for body in bodies:
        await eventually(lambda body=body: _registered(stack, body, admin))
    return {"supplier_id": supplier_id, "offering_ids": offering_ids, "agency": agency, "year": year, "ids": ids}


async def _named(stack, entry_id: str) -> bool:
    found = await entry(stack, entry_id)
    return bool(found and found.get("supplier_name"))


async def _registered(stack, body: dict, headers: dict) -> bool:
    """True once created; 422 only while the hub has yet to hear of the category from the catalogue."""
    response = await stack.client.post(USE_CASES, json=body, headers=headers)
    assert response.status_code in (201, 422), response.text
    return response.status_code == 201


async def test_exports_insights_and_bad_requests_on_a_seeded_registry(stack):
    seed = await seeded(stack)
    documents = await exported(stack)
    mine = {d["id"]: d for d in documents if d["supplier_id"] == seed["supplier_id"]}
    assert set(mine) == seed["ids"]  # the draft never entered
    assert mine[f"offering:{seed['offering_ids'][0]}"]["supplier_name"] == "@Tui Speech"

    response = await stack.client.get("/api/v1/registry/export.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == len(documents) and {r["id"] for r in rows} == {d["id"] for d in documents}
    # This test's own rows: the hub replays the shared broker, so other runs' entries of the same names are there.
    by_name = {r["name"]: r for r in rows if r["id"] in seed["ids"] or r["agency"] == seed["agency"]}
    assert by_name["'+Tui Pātai"]["supplier_name"] == "'@Tui Speech"
    assert by_name["'=HYPERLINK(\"http://evil.example\",\"click\")"]["agency"] == seed["agency"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r.values())

    # Newest first, page by page, with nothing repeated or skipped.
    newest, cursor = [], None
    while True:
        page = (await stack.client.get("/api/v1/registry/entries", params={"sort": "newest", "limit": 3,
                                                                          **({"cursor": cursor} if cursor else {})})).json()
        newest += page["data"]
        if not (cursor := page["next_cursor"]):
            break
    assert sorted(e["id"] for e in newest) == sorted(d["id"] for d in documents)
    assert [(e["first_listed_at"], e["id"]) for e in newest] == sorted(
        ((e["first_listed_at"], e["id"]) for e in newest), reverse=True)
    assert (await stack.client.get("/api/v1/registry/entries", params={"sort": "oldest"})).status_code == 422

    insights = (await stack.client.get("/api/v1/registry/insights")).json()
    assert insights["total"] == len(documents)
    assert insights["by_type"] == dict(Counter(d["type"] for d in documents))
    assert insights["by_category"] == dict(Counter(d["category"] for d in documents if d["category"]))
    assert insights["by_risk_level"] == dict(Counter(d["risk_level"] for d in documents if d["risk_level"]))
    assert insights["by_agency"][seed["agency"]] == 2
    assert insights["by_phase"] == {"design": 1, "idea": 1, "pilot": 1}  # the hub database is this test's own
    months = {m["month"]: m for m in insights["over_time"]}
    assert months[f"{seed['year']}-01"]["by_type"] == {"offering": 1, "strategic_partnership": 1}
    assert months[f"{seed['year']}-02"]["by_type"] == {"accreditation": 1, "course": 1, "offering": 1}
    assert insights["over_time"][-1]["cumulative"] == len(documents)

    page = (await stack.client.get(ENTRIES, params={"agency": seed["agency"], "type": "use_case"})).json()
    assert sorted(e["name"] for e in page["data"]) == ['=HYPERLINK("http://evil.example","click")',
                                                        "Triage assistant"]
    found = (await stack.client.get(ENTRIES, params={"category": "ai.speech", "text": "tui kōrero",
                                                    "supplier_id": seed["supplier_id"]})).json()["data"]
    assert [e["id"] for e in found] == [f"offering:{seed['offering_ids'][0]}"]
    first = (await stack.client.get(ENTRIES, params={"supplier_id": seed["supplier_id"], "limit": 2})).json()
    rest = (await stack.client.get(ENTRIES, params={"supplier_id": seed["supplier_id"], "limit": 2,
                                                    "cursor": first["next_cursor"]})).json()
    rest2 = (await stack.client.get(ENTRIES, params={"supplier_id": seed["supplier_id"], "limit": 2,
                                                     "cursor": rest["next_cursor"]})).json()
    assert {e["id"] for e in first["data"] + rest["data"] + rest2["data"]} == seed["ids"]
    assert rest2["next_cursor"] is None

    # Bad requests get problem details.
    admin, buyer = await stack.as_role("admin"), await stack.as_role("buyer")
    cases = [
        ("GET", ENTRIES, {"params": {"limit": 0}}, 422),
        ("GET", ENTRIES, {"params": {"type": "spaceship"}}, 422),
        ("GET", ENTRIES, {"params": {"cursor": "not-a-cursor"}}, 400),
        ("GET", f"{ENTRIES}/offering:{uuid.uuid4()}", {}, 404),
        ("GET", f"{ENTRIES}/offering:{uuid.uuid4()}/history", {"headers": admin}, 404),
        ("POST", "/api/v1/registry/rebuild", {}, 401),
        ("POST", "/api/v1/registry/rebuild", {"headers": buyer}, 403),
        ("GET", "/api/v1/registry/sync/status", {"headers": buyer}, 403),
        ("POST", "/api/v1/registry/sync/reconcile", {"headers": admin}, 409),
    ]
    for method, url, options, status in cases:
        response = await stack.client.request(method, url, **options)
        assert response.status_code == status, (url, options, response.text)
        assert response.headers["content-type"] == PROBLEM
    status = (await stack.client.get("/api/v1/registry/sync/status", headers=admin)).json()
    assert status["enabled"] is False and status["backlog"] == 0


async def the_rebuild_from_the_topics_gives_the_same_registry(stack):
    seed = await seeded(stack)
    withdrawn = feed.offering(seed["offering_ids"][1], seed["supplier_id"], 2, status="withdrawn",
                              cls=cat.OfferingWithdrawn)
    await feed.produce_events(stack.bootstrap_servers, withdrawn)
    await eventually(lambda: _absent(stack, f"offering:{seed['offering_ids'][1]}"))
    before = {d["id"]: d for d in await exported(stack)}
    admin = await stack.as_role("admin")

    response = await stack.client.post("/api/v1/registry/rebuild", headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["changed"] == 0 and response.json()["events"] > 0
    assert {d["id"]: d for d in await exported(stack)} == before

    engine = create_async_engine(stack.database_urls["hub"])
    async with engine.begin() as connection:  # the registry loses its sources and some entries
        await connection.execute(text("DELETE FROM hub_sources"))
        await connection.execute(text("DELETE FROM hub_entries WHERE type IN ('offering', 'course')"))
        await connection.execute(text("UPDATE hub_entries SET name = 'tampered' WHERE type = 'accreditation'"))
    await engine.dispose()
    assert {d["id"] for d in await exported(stack)} != set(before)

    response = await stack.client.post("/api/v1/registry/rebuild", headers=admin)
    assert response.status_code == 200 and response.json()["changed"] > 0
    after = {d["id"]: normal(d) for d in await exported(stack)}
    assert after == {i: normal(d) for i, d in before.items()}
    left = await stack.client.get(f"{ENTRIES}/offering:{seed['offering_ids'][1]}", headers=admin)
    assert left.json()["listed"] is False and left.json()["status"] == "withdrawn"

    # `make rebuild-hub` runs the same rebuild from the command line.
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hub.rebuild", stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, env={**os.environ, "HUB_DATABASE_URL": stack.database_urls["hub"],
                                               "KAFKA_BOOTSTRAP_SERVERS": stack.bootstrap_servers})
    output = (await asyncio.wait_for(process.communicate(), 60))[0].decode()
    assert process.returncode == 0 and ", 0 changed" in output, output


async def _absent(stack, entry_id: str) -> bool:
    return await entry(stack, entry_id) is None
