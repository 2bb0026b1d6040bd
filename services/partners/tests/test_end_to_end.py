"""A partner system over the real gateway and broker: subscribe, receive signed deliveries, retries in order,
410, resend and recover, rotation, the feed, and another partner kept out."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from partners.secrets import PREFIX
from partners.webhooks import delivery_model
from servicekit.identity import Identity
from servicekit.tables import InboxRecord
from servicekit.testing import eventually, identity_headers
from services.partners.tests.receiver import Receiver
from testsupport.catalogue_helpers import act, drafted, eligible_supplier, published

FAST = {"retry_scale": 0.001, "retry_jitter": 0.1, "worker_poll_seconds": 0.2, "metrics_interval_seconds": 0.2}
URL = "/api/v1/subscriptions"
PUBLISHED = "offering.published.v1"


@pytest.fixture
async def receiver():
    running = await Receiver().start()
    yield running
    await running.stop()


@pytest.fixture
async def partners(stack):
    """The stack with the partners service retrying in milliseconds."""
    await stack.servers["partners"].stop()
    await stack.start_service("partners", **FAST)
    return stack


async def subscribe(stack, receiver, **body) -> dict:
    response = await stack.client.post(URL, json={"sink": receiver.url, "types": ["offering.*"], **body},
                                       headers=await stack.as_role("partner"))
    assert response.status_code == 201, response.text
    return response.json()


async def consumed(stack, subject: str) -> bool:
    """Whether the partners service's consumer has taken in an event about `subject`."""
    async with stack.servers["partners"].app.state.database.transaction() as session:
        return bool((await session.execute(select(InboxRecord).where(InboxRecord.subject == subject))).first())


async def test_a_partner_receives_public_offering_events_signed_and_in_order(partners, receiver):
    stack = partners
    partner = await stack.as_role("partner")
    subscription = await subscribe(stack, receiver)
    secret = subscription["secret"]
    assert secret.startswith(PREFIX) and subscription["ordering"] == "per_subject"
    assert subscription["types"] == ["nz.govt.marketplace.offering.*"]
    shown = await stack.client.get(f"{URL}/{subscription['id']}", headers=partner)
    assert shown.status_code == 200 and "secret" not in shown.json()

    supplier = await eligible_supplier(stack)
    own = await stack.as_supplier(supplier["credentials"])
    draft = await drafted(stack, own, name="Never public")
    offering = await published(stack, own)
    first = (await eventually(lambda: _async(receiver.delivered(subject=offering["id"]))))[0]
    assert first.verified_by(secret)["type"] == "nz.govt.marketplace." + PUBLISHED
    assert first.headers["content-type"] == "application/cloudevents+json"
    assert first.headers["webhook-id"] == first.event["id"]
    assert "actor" not in first.event["data"] and first.event["data"]["offering"]["status"] == "published"
    delivery_model(first.event["type"]).model_validate(first.event)  # the webhooks schema, no field beyond it
    # The draft's events were consumed and kept back; nothing of the published offering's draft stage either.
    await eventually(lambda: consumed(stack, draft["id"]))
    assert not [r for r in receiver.requests if r.event["subject"] == draft["id"]]
    assert [r.event["type"].rsplit(".", 2)[-2] for r in receiver.requests if r.event["subject"] == offering["id"]] \
        == ["published"]

    # The sink fails for a while: every event of the offering still arrives, in order, once it recovers.
    receiver.answers_for = offering["id"]  # events of earlier tests on the shared broker are delivered too
    receiver.answers.extend([503, 503, 503])
    admin = await stack.as_role("admin")
    assert (await act(stack, offering["id"], "suspend", admin, reason="review")).status_code == 200
    assert (await act(stack, offering["id"], "reinstate", admin)).status_code == 200
    arrived = await eventually(lambda: _async(len(receiver.delivered(subject=offering["id"])) >= 3 and
                                              receiver.delivered(subject=offering["id"])))
    assert [r.event["data"]["version"] for r in arrived] == sorted(r.event["data"]["version"] for r in arrived)
    assert [r.event["type"].rsplit(".", 2)[-2] for r in arrived] == ["published", "suspended", "reinstated"]
    assert all(r.verified_by(secret) for r in arrived)
    failed = [r for r in receiver.requests if r.answered == 503 and r.event["subject"] == offering["id"]]
    assert len(failed) == 3 and failed[0].headers["webhook-id"] == arrived[1].headers["webhook-id"]

    # The delivery log shows the attempts, failed ones first.
    log = await stack.client.get(f"{URL}/{subscription['id']}/deliveries", headers=partner,
                                 params={"type": "nz.govt.marketplace.offering.suspended.v1"})
    assert log.status_code == 200, log.text
    (suspended,) = [d for d in log.json()["data"] if d["subject"] == offering["id"]]
    assert [a["response_status"] for a in suspended["attempts"]] == [503, 503, 503, 200]
    assert suspended["attempts"][0]["response_body"] == "answered 503" and suspended["status"] == "delivered"

    # Resend and recover deliver again, with the events' own ids.
    resent = await stack.client.post(f"{URL}/{subscription['id']}/deliveries/{suspended['id']}/resend",
                                     headers=partner)
    assert resent.status_code == 202, resent.text
    await eventually(lambda: _async(len(receiver.delivered(subject=offering["id"])) == 4))
    assert receiver.delivered(subject=offering["id"])[-1].headers["webhook-id"] == suspended["event_id"]
    since = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()
    recovered = await stack.client.post(f"{URL}/{subscription['id']}/recover", json={"since": since}, headers=partner)
    assert recovered.status_code == 202 and recovered.json()["queued"] >= 3
    again = await eventually(lambda: _async(len(receiver.delivered(subject=offering["id"])) == 7 and
                                            receiver.delivered(subject=offering["id"])[4:]))
    assert [r.headers["webhook-id"] for r in again] == [r.headers["webhook-id"] for r in arrived]

    # The feed has the same events in the same order, page by page.
    feed, cursor = [], None
    for _ in range(200):
        page = await stack.client.get("/api/v1/events", headers=partner,
                                      params={"types": "offering.*", "limit": 2, **({"after": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        if not page.json()["data"]:
            break
        feed += [e for e in page.json()["data"] if e["subject"] == offering["id"]]
        cursor = page.json()["next_cursor"]
    assert [e["id"] for e in feed] == [r.headers["webhook-id"] for r in arrived]

    # A rotated secret: deliveries carry signatures by both secrets.
    rotated = await stack.client.post(f"{URL}/{subscription['id']}/secret/rotate", headers=partner)
    assert rotated.status_code == 200 and rotated.json()["secret"] != secret
    tested = await stack.client.post(f"{URL}/{subscription['id']}/test", headers=partner)
    assert tested.status_code == 202, tested.text
    test = (await eventually(lambda: _async(receiver.delivered(type_suffix="subscription.tested.v1"))))[0]
    assert len(test.headers["webhook-signature"].split(" ")) == 2
    assert test.verified_by(secret) and test.verified_by(rotated.json()["secret"])

    # 410 Gone disables the subscription at once, with the reason shown.
    receiver.answers.append(410)
    assert (await act(stack, offering["id"], "retire", admin, reason="end of life")).status_code == 200

    async def disabled():
        response = await stack.client.get(f"{URL}/{subscription['id']}", headers=partner)
        return response.json()["status"] == "disabled" and response.json()

    assert "410" in (await eventually(disabled))["disabled_reason"]

    # The metrics show it: the disabled subscription, the attempts by outcome, the latency of deliveries.
    async def measured():
        async with __import__("httpx").AsyncClient(base_url=stack.servers["partners"].url) as client:
            text = (await client.get("/metrics")).text
        return "partners_disabled_subscriptions 1.0" in text and text

    text = await eventually(measured)
    assert 'partners_delivery_attempts_total{outcome="gone"} 1.0' in text
    assert 'partners_delivery_attempts_total{outcome="failed"} 3.0' in text
    assert "partners_delivery_seconds_count" in text and "partners_delivery_backlog" in text


async def test_another_partner_can_neither_see_nor_change_a_subscription(partners, receiver):
    stack = partners
    subscription = await subscribe(stack, receiver)
    service_url = stack.servers["partners"].url + URL
    stranger = identity_headers(Identity("another-partner", frozenset({"partner"})), "partners")
    async with __import__("httpx").AsyncClient(timeout=10) as client:
        assert (await client.get(f"{service_url}/{subscription['id']}", headers=stranger)).status_code == 404
        assert (await client.patch(f"{service_url}/{subscription['id']}", json={"description": "mine"},
                                   headers=stranger | {"If-Match": '"1"'})).status_code == 404
        assert (await client.delete(f"{service_url}/{subscription['id']}", headers=stranger)).status_code == 404
        assert (await client.get(f"{service_url}/{subscription['id']}/deliveries", headers=stranger)).status_code == 404
        assert (await client.get(service_url, headers=stranger)).json()["data"] == []
    admin = await stack.client.get(URL, headers=await stack.as_role("admin"))
    assert subscription["id"] in [s["id"] for s in admin.json()["data"]]
    buyer = await stack.client.get(URL, headers=await stack.as_role("buyer"))
    assert buyer.status_code == 403


async def _async(value):
    return value
