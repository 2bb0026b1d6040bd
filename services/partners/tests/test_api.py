"""The subscriptions API through the gateway: bad input named, If-Match, enable and disable, delete, pages."""

from __future__ import annotations

import httpx
import pytest

from servicekit.identity import Identity
from servicekit.testing import identity_headers

URL = "/api/v1/subscriptions"
SINK = "http://127.0.0.1:9/hook"  # development allows plain http on loopback; nothing is sent here


@pytest.fixture
def stack_services() -> tuple[str, ...]:
    return ("partners",)


async def create(stack, **body):
    return await stack.client.post(URL, json={"sink": SINK, "types": ["offering.*"], **body},
                                   headers=await stack.as_role("partner"))


@pytest.mark.parametrize("body, field", [
    ({"types": ["offering.created.v1"]}, "types.0"),
    ({"types": []}, "types"),
    ({"sink": "ftp://example/hook"}, "sink"),
    ({"filters": [{"exact": {"data": "x"}}]}, "filters.0.exact.data"),
    ({"rate_limit": 0}, "rate_limit"),
    ({"ordering": "fifo"}, "ordering"),
    ({"secret": "whsec_mine"}, "secret"),
])
async def test_bad_input_is_422_naming_the_field(stack, body, field):
    response = await create(stack, **body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [error["field"] for error in response.json()["errors"]]


async def test_a_subscription_s_life(stack):
    partner = await stack.as_role("partner")
    created = await create(stack, description="catalogue sync", rate_limit=5,
                           filters=[{"not": {"suffix": {"type": ".retired.v1"}}}])
    assert created.status_code == 201 and created.headers["ETag"] == '"1"'
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["rate_limit"] == 5 and body["status"] == "enabled"
    url = created.headers["Location"]
    assert (await stack.client.patch(url, json={"rate_limit": 20}, headers=partner)).status_code == 428
    assert (await stack.client.patch(url, json={"rate_limit": 20},
                                     headers=partner | {"If-Match": '"7"'})).status_code == 412
    assert (await stack.client.patch(url, json={"types": None},
                                     headers=partner | {"If-Match": '"1"'})).status_code == 422
    patched = await stack.client.patch(url, json={"rate_limit": 20, "types": ["course.*"]},
                                       headers=partner | {"If-Match": '"1"'})
    assert patched.status_code == 200 and patched.headers["ETag"] == '"2"'
    assert patched.json()["types"] == ["nz.govt.marketplace.course.*"] and "secret" not in patched.json()
    disabled = await stack.client.post(f"{url}/disable", json={"reason": "maintenance"}, headers=partner)
    assert disabled.json()["status"] == "disabled" and disabled.json()["disabled_reason"] == "maintenance"
    enabled = await stack.client.post(f"{url}/enable", headers=partner)
    assert enabled.json()["status"] == "enabled" and enabled.json()["disabled_reason"] is None
    assert (await stack.client.delete(url, headers=partner)).status_code == 204
    assert (await stack.client.get(url, headers=partner)).status_code == 404


async def test_a_retried_creation_with_its_idempotency_key_gives_the_same_subscription_once(stack):
    partner = await stack.as_role("partner")
    body = {"sink": SINK, "types": ["offering.*"], "description": "retried"}
    key = {"Idempotency-Key": "create-once-1"}
    first = await stack.client.post(URL, json=body, headers=partner | key)
    again = await stack.client.post(URL, json=body, headers=partner | key)
    assert first.status_code == again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"] and first.json()["secret"].startswith("whsec_")
    assert again.json()["secret"] is None  # shown once only, even to a retry
    other = await stack.client.post(URL, json=body | {"description": "another"}, headers=partner | key)
    assert other.status_code == 422 and other.json()["type"].endswith("idempotency-key-reused")
    # Another partner's same key is its own (straight to the service: the development clients hold one partner).
    stranger = identity_headers(Identity("another-partner", frozenset({"partner"})), "partners")
    async with httpx.AsyncClient(timeout=30) as client:
        theirs = await client.post(stack.servers["partners"].url + URL, json=body, headers=stranger | key)
    assert theirs.status_code == 201 and theirs.json()["id"] != first.json()["id"]
    listed = (await stack.client.get(URL, params={"limit": 100}, headers=partner)).json()["data"]
    assert [s["id"] for s in listed if s["description"] == "retried"] == [first.json()["id"]]


async def test_the_secret_is_stored_encrypted(stack):
    secret = (await create(stack)).json()["secret"]
    from sqlalchemy import text

    async with stack.servers["partners"].app.state.database.transaction() as session:
        stored = [row[0] for row in await session.execute(text("SELECT secret_sealed FROM partner_subscriptions"))]
    assert stored and all(secret not in value and secret[6:] not in value for value in stored)


async def test_lists_page_without_repeats(stack):
    ids = {(await create(stack)).json()["id"] for _ in range(5)}
    partner, seen, cursor = await stack.as_role("partner"), [], None
    while True:
        page = (await stack.client.get(URL, params={"limit": 2, **({"cursor": cursor} if cursor else {})},
                                       headers=partner)).json()
        seen += [s["id"] for s in page["data"]]
        if not (cursor := page["next_cursor"]):
            break
    assert ids <= set(seen) and len(seen) == len(set(seen))


async def test_the_feed_refuses_bad_cursors_and_types(stack):
    partner = await stack.as_role("partner")
    assert (await stack.client.get("/api/v1/events", params={"after": "nonsense"}, headers=partner)).status_code == 400
    bad = await stack.client.get("/api/v1/events", params={"types": "application.*"}, headers=partner)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query:types.0"
    assert (await stack.client.get("/api/v1/events", params={"wait": 31}, headers=partner)).status_code == 422
    assert (await stack.client.get("/api/v1/events", headers=await stack.as_role("buyer"))).status_code == 403
    # Other tests' events on the shared broker may be in the feed: only the page's shape is certain here.
    page = await stack.client.get("/api/v1/events", params={"wait": 0.3}, headers=partner)
    assert page.status_code == 200 and isinstance(page.json()["data"], list) and page.json()["next_cursor"]
