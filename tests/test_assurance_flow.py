"""Assurance end to end over the real broker: a supplier drafts an offering and its assessment, an assessor
returns the assessment with a comment, the supplier answers and resubmits, the assessor accepts, and the
offering is published with the tier the assessment computed; twelve months on the scheduled job lapses the
assessment by itself and the offering is flagged where buyers see it, still published."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary
from cloudevents.core.formats.json import JSONFormat

from events.assurance import ASSESSMENT_TOPIC
from events.catalogue import OFFERING_TOPIC
from testsupport.assurance_helpers import ANSWERS, URL, review, shown_on_offering, started
from testsupport.catalogue_helpers import act, drafted, eligible_supplier
from testsupport.kafka_tools import read_topic


@pytest.fixture
def stack_services() -> tuple[str, ...]:
    return ("suppliers", "catalogue", "assurance")


def kinds(records, key: str) -> list[str]:
    return [dict(r.headers)["ce_type"].decode().split(".")[-2] for r in records if r.key == key.encode()]


async def test_an_offering_assessed_returned_accepted_published_and_lapsed(stack, broker):
    later = (stack.clock.now().date() + timedelta(days=800)).isoformat()  # the agreement outlasts the assessment
    supplier = await eligible_supplier(stack, end_date=later)
    own, assessor = await stack.as_supplier(supplier["credentials"]), await stack.as_role("assessor")
    offering = await drafted(stack, own)
    answers = dict(ANSWERS["III"], appeal="no")  # 17 less 15% of 21: 68.8%, level III
    assessment = await started(stack, own, offering["id"], answers)
    url = f"{URL}/{assessment['id']}"
    assert (await stack.client.post(f"{url}/submit", headers=own)).json()["status"] == "submitted"

    comment = {"question_id": "appeal", "comment": "Can a person ask for a decision to be reviewed? Say how."}
    returned = await review(stack, assessment["id"], "return", [comment])
    assert returned.json()["status"] == "returned" and returned.json()["reviews"][0]["comments"] == [comment]
    answered = await stack.client.patch(url, json={"answers": {"appeal": "yes"}},
                                        headers={**own, "If-Match": returned.headers["ETag"]})
    assert answered.status_code == 200 and answered.json()["status"] == "returned", answered.text
    assert (await stack.client.post(f"{url}/submit", headers=own)).json()["status"] == "submitted"
    accepted = (await review(stack, assessment["id"])).json()
    assert (accepted["status"], accepted["impact_level"], accepted["current_score"]) == ("accepted", "III", 14.45)

    await shown_on_offering(stack, offering["id"], lambda o: o["assessment_id"] == assessment["id"])
    assert (await act(stack, offering["id"], "submit", own)).status_code == 200
    live = (await act(stack, offering["id"], "publish", assessor)).json()
    assert (live["status"], live["risk_tier"], live["impact_level"], live["assurance_flag"]) == (
        "published", "high", "III", None)
    assert "human_oversight" in live["commitments_addressed"]

    # Twelve months on, the assurance service's own scheduled job lapses the assessment.
    await stack.servers["assurance"].stop()
    await stack.start_service("assurance", schedule_interval_seconds=0.1)
    stack.clock.advance(days=366)
    flagged = await shown_on_offering(stack, offering["id"], lambda o: o["assurance_flag"] == "lapsed")
    assert flagged["status"] == "published" and flagged["risk_tier"] == "high"
    buyer_view = (await stack.client.get(f"/api/v1/offerings/{offering['id']}", headers=await stack.as_role("buyer")))
    assert buyer_view.json()["assurance_flag"] == "lapsed"
    assert (await stack.client.get(url, headers=own)).json()["status"] == "lapsed"

    records = await read_topic(broker.bootstrap_servers, ASSESSMENT_TOPIC.name,
                               until=lambda rs: "lapsed" in kinds(rs, assessment["id"]))
    assert kinds(records, assessment["id"]) == ["created", "submitted", "returned", "updated", "submitted",
                                                "accepted", "lapsed"]
    lapsed = next(r for r in records if r.key == assessment["id"].encode() and b"lapsed" in dict(r.headers)["ce_type"])
    event = from_binary(KafkaMessage(headers=dict(lapsed.headers), key=lapsed.key, value=lapsed.value), JSONFormat())
    assert event.get_source() == "/services/assurance" and event.get_data()["assessment"]["status"] == "lapsed"
    offering_records = await read_topic(broker.bootstrap_servers, OFFERING_TOPIC.name,
                                        until=lambda rs: kinds(rs, offering["id"]).count("assessed") == 2)
    assert kinds(offering_records, offering["id"]) == ["created", "assessed", "submitted", "published", "assessed"]
