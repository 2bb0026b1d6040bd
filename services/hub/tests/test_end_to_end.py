"""The issue's end-to-end over the real broker and the real services: an offering published, a provider
accredited and a course published, all in the registry and at the fake external hub within 2 seconds; the
offering withdrawn leaves both; the hub down for a while then holds exactly the registry; a reconciliation
after the hub lost entries restores them."""

import uuid

import httpx

from servicekit.testing import eventually
from services.hub.tests.flows import OFFERINGS, eligible_supplier, listed, published_offering
from testsupport.accreditation_flows import Flows
from testsupport.training_flows import COURSES, MASTERCLASS, published_course

STATUS = "/api/v1/registry/sync/status"


async def test_registry_and_external_hub_follow_the_marketplace(synced, fake_hub):
    stack = synced
    supplier = await eligible_supplier(stack)
    offering = await published_offering(stack, supplier)
    flows = Flows(stack)
    await flows.known_as(supplier["id"], "active")
    _, accreditation = await flows.accredited(supplier)
    own = await flows.headers_of(supplier)
    course = await published_course(stack, own)
    accreditation_id, course_id = accreditation["id"], course["id"]
    wanted = {f"offering:{offering['id']}", f"accreditation:{accreditation_id}", f"course:{course_id}"}

    async def everywhere():
        # The supplier's name comes on its own topic: the entry at the hub is complete once it carries it.
        return (wanted <= set(await listed(stack)) and wanted <= set(fake_hub.entries)
                and fake_hub.entries[f"offering:{offering['id']}"].get("supplier_name"))

    await eventually(everywhere)
    at_hub = fake_hub.entries[f"offering:{offering['id']}"]
    assert at_hub["name"] == "Kōrero Translate" and at_hub["supplier_name"] == "Kauri AI"
    assert at_hub["link"] == f"/api/v1/offerings/{offering['id']}"
    assert fake_hub.refused_signatures == 0

    assert (await stack.client.post(f"{OFFERINGS}/{offering['id']}/withdraw", headers=own)).status_code == 200

    async def gone():
        entry_id = f"offering:{offering['id']}"
        return entry_id not in await listed(stack) and entry_id not in fake_hub.entries

    await eventually(gone)
    url = f"/api/v1/registry/entries/offering:{offering['id']}"
    admin = await stack.as_role("admin")
    left = (await stack.client.get(url, headers=admin)).json()
    assert left["listed"] is False and left["status"] == "withdrawn" and left["source_type"] == "offering"
    history = (await stack.client.get(f"{url}/history", headers=admin)).json()["data"]
    assert [(h["action"], h["to_state"]) for h in history] == [("added", "listed"), ("removed", "left")]

    # The registry also holds what earlier tests on this broker made; let the hub receive all of it first, so
    # the outage below holds back only the changes it makes.
    async def drained():
        return (await stack.client.get(STATUS, headers=admin)).json()["backlog"] == 0

    await eventually(drained)

    # The hub goes down; the registry goes on changing: one course withdrawn, another published.
    fake_hub.down = True
    assert (await stack.client.post(f"{COURSES}/{course_id}/withdraw", headers=own)).status_code == 200
    second_course = (await published_course(stack, own, MASTERCLASS | {"course_code": "EXEC-AI-102"}))["id"]

    async def changed_here_only():
        here = await listed(stack)
        return (f"course:{second_course}" in here and f"course:{course_id}" not in here
                and f"course:{second_course}" not in fake_hub.entries and f"course:{course_id}" in fake_hub.entries)

    await eventually(changed_here_only)

    async def failing():
        status = (await stack.client.get(STATUS, headers=admin)).json()
        return status["backlog"] >= 2 and status["retrying"] >= 2 and status

    status = await eventually(failing)
    assert "503" in status["last_error"] and status["failures_total"] >= 2 and fake_hub.failed_requests >= 2
    fake_hub.down = False

    async def in_step():
        return fake_hub.holdings() == await listed(stack)

    await eventually(in_step)
    assert f"course:{second_course}" in fake_hub.entries and f"course:{course_id}" not in fake_hub.entries
    assert fake_hub.entries[f"accreditation:{accreditation_id}"]["status"] == "active"
    # The external hub holds an entry as soon as it answers; the sender records that afterwards.
    async def settled():
        status = (await stack.client.get(STATUS, headers=admin)).json()
        return status["backlog"] == 0 and status["consecutive_failures"] == 0 and status["last_success_at"]

    await eventually(settled)
    async with httpx.AsyncClient() as direct:
        metrics = await direct.get(stack.servers["hub"].url + "/metrics")
    assert "hub_sync_failures_total" in metrics.text and "hub_sync_backlog 0.0" in metrics.text

    # The hub loses entries; reconciliation finds and restores them.
    fake_hub.lose(f"course:{second_course}", f"accreditation:{accreditation_id}")
    fake_hub.entries["offering:" + str(uuid.uuid4())] = {"id": "stray", "version": 1, "digest": "x"}
    response = await stack.client.post("/api/v1/registry/sync/reconcile", headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["missing"] == 2 and response.json()["extra"] == 1
    await eventually(in_step)
