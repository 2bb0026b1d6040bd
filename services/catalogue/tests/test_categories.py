"""Categories through the gateway: the seeded tree, admin changes with their history and events, who may do what."""

from cloudevents.core.bindings.kafka import KafkaMessage, from_binary
from cloudevents.core.formats.json import JSONFormat
from sqlalchemy import select

from catalogue.category.seed import load_taxonomy, seed_taxonomy
from events.catalogue import CATEGORY_TOPIC
from servicekit.tables import OutboxRecord
from servicekit.testing import eventually
from testsupport.helpers import supplier_body
from testsupport.kafka_tools import read_topic

SOLUTIONS = ["ai.assurance-services", "ai.chatbots-and-search", "ai.computer-vision", "ai.document-processing",
             "ai.generative-assistants", "ai.platforms-mlops", "ai.predictive-analytics", "ai.speech",
             "ai.training", "ai.translation", "ai.workflow-automation"]
ENGAGEMENTS = ["engagement.discovery-advisory", "engagement.end-to-end-partnership", "engagement.implementation",
               "engagement.licensing-saas", "engagement.managed-service"]
NEW = {"code": "ai.translation.nz-sign-language", "axis": "solution", "name": "NZ Sign Language",
       "description": "Translation between New Zealand Sign Language and English or te reo Māori.",
       "parent": "ai.translation"}


def codes(nodes: list[dict]) -> list[str]:
    return [node["code"] for node in nodes]


def find(nodes: list[dict], code: str) -> dict | None:
    for node in nodes:
        if node["code"] == code:
            return node
        if (inside := find(node["children"], code)) is not None:
            return inside
    return None


async def published_outbox(stack, topic: str) -> list[OutboxRecord]:
    database = stack.servers["catalogue"].app.state.database
    async with database.transaction() as session:
        return list((await session.execute(select(OutboxRecord).where(OutboxRecord.topic == topic)
                                           .order_by(OutboxRecord.id))).scalars().all())


async def test_the_seeded_taxonomy_is_a_public_tree_with_filters(stack):
    tree = await stack.client.get("/api/v1/categories")
    assert tree.status_code == 200, tree.text
    data = tree.json()["data"]
    assert codes(data) == SOLUTIONS + ENGAGEMENTS
    assert [node["axis"] for node in data] == ["solution"] * 11 + ["engagement"] * 5
    assert codes(find(data, "ai.translation")["children"]) == ["ai.translation.te-reo-maori"]
    assert find(data, "ai.translation.te-reo-maori")["parent"] == "ai.translation"
    assert tree.json()["count"] == len(load_taxonomy()) == 18
    assert all(node["status"] == "active" and node["version"] == 1 for node in data)

    engagement = (await stack.client.get("/api/v1/categories", params={"axis": "engagement"})).json()
    assert codes(engagement["data"]) == ENGAGEMENTS and engagement["count"] == 5
    assert (await stack.client.get("/api/v1/categories", params={"status": "retired"})).json()["data"] == []
    bad = await stack.client.get("/api/v1/categories", params={"axis": "flavour"})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"

    one = await stack.client.get("/api/v1/categories/ai.document-processing")
    assert one.status_code == 200 and one.headers["etag"] == '"1"'
    assert one.json()["name"] == "Document processing and OCR" and one.json()["parent"] is None
    assert (await stack.client.get("/api/v1/categories/ai.no-such-thing")).status_code == 404

    history = await stack.client.get("/api/v1/categories/ai.speech/history", headers=await stack.as_role("buyer"))
    assert [(h["action"], h["actor"], h["to_state"]) for h in history.json()["data"]] == [("seed", "system", "active")]
    assert (await stack.client.get("/api/v1/categories/ai.speech/history")).status_code == 401

    # Seeded categories are announced like any other, once each; seeding again adds nothing.
    rows = await eventually(lambda: _all_published(stack))
    assert sorted(r.subject for r in rows) == sorted(c.code for c in load_taxonomy())
    app = stack.servers["catalogue"].app
    assert await seed_taxonomy(app.state.database, app.state.clock) == 0


async def _all_published(stack):
    rows = await published_outbox(stack, CATEGORY_TOPIC.name)
    return rows if rows and all(r.published_at is not None for r in rows) else None


async def test_an_admin_creates_changes_and_retires_a_category(stack, broker):
    admin = await stack.as_role("admin")
    created = await stack.client.post("/api/v1/categories", json=NEW, headers=admin)
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == '"1"' and created.headers["location"].endswith(f"/categories/{NEW['code']}")
    assert created.json()["status"] == "active"
    again = await stack.client.post("/api/v1/categories", json=NEW, headers=admin)
    assert again.status_code == 409 and NEW["code"] in again.json()["detail"]

    url = f"/api/v1/categories/{NEW['code']}"
    change = {"description": "NZSL to and from English, with Deaf community oversight."}
    assert (await stack.client.patch(url, json=change, headers=admin)).status_code == 428
    stale = await stack.client.patch(url, json=change, headers=admin | {"If-Match": '"7"'})
    assert stale.status_code == 412 and stale.json()["current_etag"] == '"1"'
    changed = await stack.client.patch(url, json=change, headers=admin | {"If-Match": '"1"'})
    assert changed.status_code == 200 and changed.headers["etag"] == '"2"'
    assert changed.json()["description"] == change["description"] and changed.json()["name"] == NEW["name"]
    not_code = await stack.client.patch(url, json={"code": "ai.other"}, headers=admin | {"If-Match": '"2"'})
    assert not_code.status_code == 422

    parent = await stack.client.post("/api/v1/categories/ai.translation/retire", json={"reason": "split"},
                                     headers=admin)
    assert parent.status_code == 409
    assert parent.json()["active_children"] == ["ai.translation.nz-sign-language", "ai.translation.te-reo-maori"]
    assert "ai.translation.te-reo-maori" in parent.json()["detail"]

    no_reason = await stack.client.post(f"{url}/retire", headers=admin)
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    retired = await stack.client.post(f"{url}/retire", json={"reason": "folded into ai.translation"}, headers=admin)
    assert retired.status_code == 200 and retired.json()["status"] == "retired" and retired.headers["etag"] == '"3"'
    twice = await stack.client.post(f"{url}/retire", json={"reason": "again"}, headers=admin)
    assert twice.status_code == 409 and twice.json()["current_state"] == "retired"
    under_retired = await stack.client.post("/api/v1/categories", headers=admin, json=NEW | {
        "code": "ai.translation.nz-sign-language.video", "parent": NEW["code"]})
    assert under_retired.status_code == 409

    history = (await stack.client.get(f"{url}/history", headers=admin)).json()["data"]
    assert [(h["action"], h["from_state"], h["to_state"], h["version"]) for h in history] == [
        ("create", None, "active", 1), ("update", "active", "active", 2), ("retire", "active", "retired", 3)]
    assert history[1]["changes"]["description"]["to"] == change["description"]
    assert history[2]["reason"] == "folded into ai.translation" and history[2]["actor"] == "admin"

    active = (await stack.client.get("/api/v1/categories", params={"status": "active"})).json()
    assert find(active["data"], NEW["code"]) is None
    retired_only = (await stack.client.get("/api/v1/categories", params={"status": "retired"})).json()
    assert codes(retired_only["data"]) == [NEW["code"]]  # its active parent is filtered out: listed at the top

    # The broker outlives one stack: pick this stack's records by the event ids in its outbox.
    ids = {r.event_id.encode() for r in await published_outbox(stack, CATEGORY_TOPIC.name) if r.subject == NEW["code"]}

    def mine(records):
        return [r for r in records if r.key == NEW["code"].encode() and dict(r.headers)["ce_id"] in ids]

    records = mine(await read_topic(broker.bootstrap_servers, CATEGORY_TOPIC.name,
                                    until=lambda rs: len(mine(rs)) == 3))
    events = [from_binary(KafkaMessage(headers=dict(r.headers), key=r.key, value=r.value), JSONFormat())
              for r in records]
    assert [e.get_type() for e in events] == ["nz.govt.marketplace.category.created.v1",
                                              "nz.govt.marketplace.category.updated.v1",
                                              "nz.govt.marketplace.category.retired.v1"]
    assert [e.get_data()["version"] for e in events] == [1, 2, 3]
    assert events[-1].get_data()["category"] == {"code": NEW["code"], "axis": "solution", "name": NEW["name"],
                                                "description": change["description"],
                                                "parent": "ai.translation", "status": "retired"}
    assert events[-1].get_source() == "/services/catalogue"


async def test_bad_categories_are_problems_naming_the_field(stack):
    admin = await stack.as_role("admin")
    cases = {
        "code": NEW | {"code": "Not A Code"},
        "axis": NEW | {"axis": "flavour"},
        "name": {k: v for k, v in NEW.items() if k != "name"},
        "description": NEW | {"description": ""},
        "parent": NEW | {"parent": "ai.no-such-parent"},
    }
    for field, body in cases.items():
        response = await stack.client.post("/api/v1/categories", json=body, headers=admin)
        assert response.status_code == 422, (field, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert field in [e["field"] for e in response.json()["errors"]], (field, response.json())
    top_level_code = NEW | {"code": "ai"}
    assert (await stack.client.post("/api/v1/categories", json=top_level_code, headers=admin)).status_code == 422
    other_axis = await stack.client.post("/api/v1/categories", json=NEW | {"parent": "engagement.implementation"},
                                         headers=admin)
    assert other_axis.status_code == 422 and other_axis.json()["errors"][0]["field"] == "axis"
    surprise = await stack.client.post("/api/v1/categories", json=NEW | {"surprise": True}, headers=admin)
    assert surprise.status_code == 422
    top = await stack.client.post("/api/v1/categories", headers=admin, json={
        "code": "engagement.capability-uplift", "axis": "engagement", "name": "Capability uplift",
        "description": "Building the agency's own team alongside delivery."})
    assert top.status_code == 201 and top.json()["parent"] is None
    assert "engagement.capability-uplift" in codes(
        (await stack.client.get("/api/v1/categories", params={"axis": "engagement"})).json()["data"])


async def test_only_admins_change_categories_and_anyone_reads_them(stack):
    supplier = (await stack.client.post("/api/v1/suppliers", json=supplier_body())).json()
    callers = {role: await stack.as_role(role) for role in ("buyer", "assessor", "partner")}
    callers["supplier"] = await stack.as_supplier(supplier["credentials"])
    url = "/api/v1/categories/ai.speech"
    for role, headers in callers.items():
        assert (await stack.client.post("/api/v1/categories", json=NEW, headers=headers)).status_code == 403, role
        patch = await stack.client.patch(url, json={"name": "x"}, headers=headers | {"If-Match": '"1"'})
        assert patch.status_code == 403, role
        retire = await stack.client.post(f"{url}/retire", json={"reason": "x"}, headers=headers)
        assert retire.status_code == 403 and retire.headers["content-type"] == "application/problem+json", role
        assert (await stack.client.get(url, headers=headers)).status_code == 200, role
    anonymous = await stack.client.post("/api/v1/categories", json=NEW)
    assert anonymous.status_code == 401
    assert (await stack.client.get(url)).json()["status"] == "active"
