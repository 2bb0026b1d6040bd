"""Suppliers through the gateway: registration, ownership, updates, transitions, credentials."""

from cloudevents.core.bindings.kafka import KafkaMessage, from_binary
from cloudevents.core.formats.json import JSONFormat

from events.suppliers import SUPPLIER_TOPIC
from testsupport.helpers import nzbn, supplier_body
from testsupport.kafka_tools import read_topic


async def register(stack, **overrides) -> dict:
    response = await stack.client.post("/api/v1/suppliers", json=supplier_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


async def verified(stack, **overrides) -> dict:
    supplier = await register(stack, **overrides)
    response = await stack.client.post(f"/api/v1/suppliers/{supplier['id']}/verify", headers=await stack.as_role("admin"))
    assert response.status_code == 200, response.text
    return supplier | {"status": "active"}


async def test_registration_returns_credentials_once_and_they_give_a_supplier_token(stack):
    supplier = await register(stack)
    credentials = supplier["credentials"]
    assert credentials["client_id"].startswith("sup_") and len(credentials["client_secret"]) >= 32
    headers = await stack.as_supplier(credentials)
    own = await stack.client.get(f"/api/v1/suppliers/{supplier['id']}", headers=headers)
    assert own.status_code == 200
    assert "credentials" not in own.json() and own.headers["etag"] == '"1"'


async def test_overseas_supplier_registers_with_country_and_registration_id(stack):
    body = supplier_body(nzbn=None, country="AU", registration_id="ABN 51 824 753 556")
    body.pop("nzbn")
    response = await stack.client.post("/api/v1/suppliers", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["org_id"] == "AU-REG-ABN 51 824 753 556"


async def test_bad_registrations_are_problems_naming_the_field(stack):
    cases = {
        "contacts.0.email": supplier_body(contacts=[{"name": "A", "email": "not-an-email"}]),
        "website": supplier_body(website="not a url"),
        "legal_name": supplier_body(legal_name="x" * 201),
        "size": supplier_body(size="huge"),
    }
    for field, body in cases.items():
        response = await stack.client.post("/api/v1/suppliers", json=body)
        assert response.status_code == 422, (field, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert field in [e["field"] for e in response.json()["errors"]], (field, response.json())
    both = supplier_body(country="AU", registration_id="1")
    assert (await stack.client.post("/api/v1/suppliers", json=both)).status_code == 422


async def test_admin_transitions_follow_the_table(stack, broker):
    admin = await stack.as_role("admin")
    supplier = await register(stack)
    url = f"/api/v1/suppliers/{supplier['id']}"

    refused = await stack.client.post(f"{url}/reinstate", headers=admin)
    assert refused.status_code == 409
    assert refused.json()["current_state"] == "pending_verification"
    assert set(refused.json()["allowed_actions"]) == {"verify", "deregister"}

    assert (await stack.client.post(f"{url}/verify", headers=admin)).json()["status"] == "active"
    no_reason = await stack.client.post(f"{url}/suspend", headers=admin)
    assert no_reason.status_code == 422
    suspended = await stack.client.post(f"{url}/suspend", headers=admin, json={"reason": "insurance lapsed"})
    assert suspended.json()["status"] == "suspended"
    assert (await stack.client.post(f"{url}/reinstate", headers=admin)).json()["status"] == "active"
    assert (await stack.client.post(f"{url}/deregister", headers=admin, json={"reason": "left"})).json()["status"] == "deregistered"
    final = await stack.client.post(f"{url}/reinstate", headers=admin)
    assert final.status_code == 409 and final.json()["allowed_actions"] == []

    history = (await stack.client.get(f"{url}/history", headers=admin)).json()["data"]
    assert [(h["action"], h["from_state"], h["to_state"]) for h in history] == [
        ("register", None, "pending_verification"), ("verify", "pending_verification", "active"),
        ("suspend", "active", "suspended"), ("reinstate", "suspended", "active"),
        ("deregister", "active", "deregistered")]
    assert history[2]["reason"] == "insurance lapsed" and history[2]["actor"] == "admin"

    def mine(records):
        return [r for r in records if r.key == supplier["id"].encode()]

    records = mine(await read_topic(broker.bootstrap_servers, SUPPLIER_TOPIC.name, until=lambda rs: len(mine(rs)) == 5))
    events = [from_binary(KafkaMessage(headers=dict(r.headers), key=r.key, value=r.value), JSONFormat())
              for r in records]
    assert [e.get_type().split(".")[-2] for e in events] == [
        "registered", "verified", "suspended", "reinstated", "deregistered"]
    assert [e.get_data()["version"] for e in events] == [1, 2, 3, 4, 5]
    assert events[2].get_data()["reason"] == "insurance lapsed"
    assert events[-1].get_data()["supplier"]["status"] == "deregistered"


async def test_only_admins_make_supplier_transitions(stack):
    supplier = await register(stack)
    for role in ("buyer", "assessor", "partner"):
        response = await stack.client.post(f"/api/v1/suppliers/{supplier['id']}/verify", headers=await stack.as_role(role))
        assert response.status_code == 403, role
    own = await stack.as_supplier(supplier["credentials"])
    assert (await stack.client.post(f"/api/v1/suppliers/{supplier['id']}/verify", headers=own)).status_code == 403
    anonymous = await stack.client.post(f"/api/v1/suppliers/{supplier['id']}/verify")
    assert anonymous.status_code == 401


async def test_an_update_refuses_null_for_what_cannot_be_cleared(stack):
    # Found by schemathesis (tests/test_fuzz.py): {"maori_business": null} from an admin was a 500.
    supplier = (await stack.client.post("/api/v1/suppliers", json=supplier_body())).json()
    admin = await stack.as_role("admin")
    url = f"/api/v1/suppliers/{supplier['id']}"
    etag = (await stack.client.get(url, headers=admin)).headers["etag"]
    for field in ("legal_name", "nzbn", "size", "contacts", "maori_business", "pasifika_business"):
        response = await stack.client.patch(url, headers=admin | {"If-Match": etag}, json={field: None})
        assert response.status_code == 422, (field, response.text)
        assert [error["field"] for error in response.json()["errors"]] == [field]
    cleared = await stack.client.patch(url, headers=admin | {"If-Match": etag}, json={"trading_name": None,
                                                                                       "website": None})
    assert cleared.status_code == 200 and cleared.json()["trading_name"] is None and cleared.json()["website"] is None


async def test_updates_need_if_match_and_legal_identity_is_admin_only_once_verified(stack):
    supplier = await verified(stack)
    own = await stack.as_supplier(supplier["credentials"])
    url = f"/api/v1/suppliers/{supplier['id']}"
    etag = (await stack.client.get(url, headers=own)).headers["etag"]

    assert (await stack.client.patch(url, headers=own, json={"trading_name": "New"})).status_code == 428
    stale = await stack.client.patch(url, headers=own | {"If-Match": '"1"'}, json={"trading_name": "New"})
    assert stale.status_code == 412
    changed = await stack.client.patch(url, headers=own | {"If-Match": etag}, json={"trading_name": "Kauri Labs"})
    assert changed.status_code == 200 and changed.json()["trading_name"] == "Kauri Labs"

    etag = changed.headers["etag"]
    locked = await stack.client.patch(url, headers=own | {"If-Match": etag}, json={"legal_name": "Other Ltd"})
    assert locked.status_code == 403
    for flag in ("maori_business", "pasifika_business"):
        flagged = await stack.client.patch(url, headers=own | {"If-Match": etag}, json={flag: True})
        assert flagged.status_code == 403 and flag in flagged.json()["detail"], flagged.text
    admin = await stack.as_role("admin")
    by_admin = await stack.client.patch(url, headers=admin | {"If-Match": etag}, json={"nzbn": nzbn()})
    assert by_admin.status_code == 200 and by_admin.json()["org_id"] == f"NZ-NZBN-{by_admin.json()['nzbn']}"
    flagged = await stack.client.patch(url, headers=admin | {"If-Match": by_admin.headers["etag"]}, json={"maori_business": True})
    assert flagged.status_code == 200 and flagged.json()["maori_business"] is True
    unknown = await stack.client.patch(url, headers=admin | {"If-Match": flagged.headers["etag"]}, json={"colour": "x"})
    assert unknown.status_code == 422


async def test_a_supplier_cannot_see_or_touch_another_supplier(stack):
    mine, theirs = await verified(stack), await verified(stack)
    own = await stack.as_supplier(mine["credentials"])
    url = f"/api/v1/suppliers/{theirs['id']}"
    assert (await stack.client.get(url, headers=own)).status_code == 404
    assert (await stack.client.patch(url, headers=own | {"If-Match": '"2"'}, json={"trading_name": "x"})).status_code == 404
    assert (await stack.client.post(f"{url}/credentials/rotate", headers=own)).status_code == 404
    assert (await stack.client.get(f"{url}/history", headers=own)).status_code == 404
    listing = (await stack.client.get("/api/v1/suppliers", headers=own)).json()["data"]
    assert [s["id"] for s in listing] == [mine["id"]]


async def test_anyone_reads_the_profile_of_a_verified_supplier_in_force_and_nothing_more(stack):
    pending = await register(stack, maori_business=True)
    assert (await stack.client.get(f"/api/v1/suppliers/{pending['id']}/profile")).status_code == 404
    supplier = await verified(stack, maori_business=True, pasifika_business=False, size="small")
    profile = await stack.client.get(f"/api/v1/suppliers/{supplier['id']}/profile")  # no token
    assert profile.status_code == 200, profile.text
    assert profile.json() == {key: supplier[key] for key in ("id", "legal_name", "trading_name", "size", "website",
                                                              "maori_business", "pasifika_business")}
    # Who to contact and how the supplier is identified stay with those the supplier table lets see them.
    assert not {"contacts", "nzbn", "registration_id", "org_id"} & set(profile.json())
    admin = await stack.as_role("admin")
    await stack.client.post(f"/api/v1/suppliers/{supplier['id']}/suspend", headers=admin, json={"reason": "review"})
    gone = await stack.client.get(f"/api/v1/suppliers/{supplier['id']}/profile")
    assert gone.status_code == 404 and gone.headers["content-type"] == "application/problem+json"
    assert (await stack.client.get(f"/api/v1/suppliers/{supplier['id']}")).status_code == 401  # the rest needs a token


async def test_rotating_credentials_stops_the_old_secret(stack):
    supplier = await verified(stack)
    old = supplier["credentials"]
    own = await stack.as_supplier(old)
    rotated = await stack.client.post(f"/api/v1/suppliers/{supplier['id']}/credentials/rotate", headers=own)
    assert rotated.status_code == 200
    new = rotated.json()
    assert new["client_id"] == old["client_id"] and new["client_secret"] != old["client_secret"]
    assert (await stack.client_token(old["client_id"], old["client_secret"])).status_code == 401
    assert (await stack.client_token(new["client_id"], new["client_secret"])).status_code == 200


async def test_a_deregistered_supplier_can_no_longer_get_a_token(stack):
    supplier = await verified(stack)
    admin = await stack.as_role("admin")
    await stack.client.post(f"/api/v1/suppliers/{supplier['id']}/deregister", headers=admin)
    creds = supplier["credentials"]
    assert (await stack.client_token(creds["client_id"], creds["client_secret"])).status_code == 401


async def test_list_filters_and_paginates_without_gaps(stack):
    admin = await stack.as_role("admin")
    marker = f"Filterable {stack.run_id}"
    for i in range(5):
        await register(stack, legal_name=f"{marker} {i}", size="micro" if i % 2 else "large",
                       pasifika_business=i == 4)
    seen, cursor = [], None
    while True:
        params = {"q": marker, "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await stack.client.get("/api/v1/suppliers", headers=admin, params=params)).json()
        seen += [s["legal_name"] for s in page["data"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == [f"{marker} {i}" for i in range(5)]
    micro = (await stack.client.get("/api/v1/suppliers", headers=admin, params={"q": marker, "size": "micro"})).json()
    assert len(micro["data"]) == 2
    pasifika = (await stack.client.get("/api/v1/suppliers", headers=admin,
                                       params={"q": marker, "pasifika_business": "true"})).json()
    assert [s["legal_name"] for s in pasifika["data"]] == [f"{marker} 4"]
    bad = await stack.client.get("/api/v1/suppliers", headers=admin, params={"status": "sleeping"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query:status"


async def test_a_replayed_registration_does_not_show_the_secret_again(stack):
    body, key = supplier_body(), {"Idempotency-Key": f"register-{stack.run_id}"}
    first = await stack.client.post("/api/v1/suppliers", json=body, headers=key)
    again = await stack.client.post("/api/v1/suppliers", json=body, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert first.json()["credentials"]["client_secret"] and again.json()["credentials"]["client_secret"] is None
    other = await stack.client.post("/api/v1/suppliers", json=body | {"legal_name": "Changed"}, headers=key)
    assert other.status_code == 422
