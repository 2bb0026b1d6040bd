"""The visibility table decides for every event type the marketplace declares, and lets out public facts only."""

from __future__ import annotations

import pytest

from events import EVENT_TYPES
from partners.feed.models import StoredEvent
from partners.visibility import VISIBILITY, Private, Public, deliverable_types, public_topics, rule_for


def test_every_declared_event_type_has_a_rule():
    missing = sorted(set(EVENT_TYPES) - set(VISIBILITY))
    assert not missing, f"decide what partners may see of: {missing}"
    assert not sorted(set(VISIBILITY) - set(EVENT_TYPES)), "a rule for a type that does not exist"


@pytest.mark.parametrize("prefix", ["offering.created", "offering.updated", "offering.submitted",
                                    "offering.rejected", "offering.redrafted", "application.", "agreement.",
                                    "supplier.registered", "course.created", "subscription."])
def test_what_is_not_public_is_never_delivered(prefix):
    matching = [t for t in EVENT_TYPES if t.startswith("nz.govt.marketplace." + prefix)]
    assert matching
    assert all(isinstance(rule_for(t), Private) for t in matching)


@pytest.mark.parametrize("event_type", sorted(t for t, r in VISIBILITY.items() if isinstance(r, Public)))
def test_public_fields_exist_and_leave_actor_and_reason_behind(event_type):
    rule = VISIBILITY[event_type]
    state_model = EVENT_TYPES[event_type].model_fields[rule.state].annotation
    assert set(rule.fields) <= set(state_model.model_fields), "a listed field the state does not have"
    projected = rule.project({"aggregate_id": "a", "version": 1, "occurred_at": "t", "actor": "x", "reason": "why",
                              rule.state: {"status": "published", "secret_note": "no", rule.fields[0]: "kept"}})
    assert "actor" not in projected and "reason" not in projected
    assert set(projected[rule.state]) <= set(rule.fields)


def test_a_withdrawal_is_news_only_about_what_was_public():
    rule = VISIBILITY["nz.govt.marketplace.offering.withdrawn.v1"]
    data = {"offering": {"status": "withdrawn"}}
    assert not rule.admits(data, was_public=False)
    assert rule.admits(data, was_public=True)
    published = VISIBILITY["nz.govt.marketplace.offering.published.v1"]
    assert published.admits({"offering": {"status": "published"}}, was_public=False)


def test_partners_consume_exactly_the_topics_with_something_public():
    assert "catalogue.offering.v1" in public_topics()
    assert "accreditation.application.v1" not in public_topics()
    assert "suppliers.agreement.v1" not in public_topics()
    assert "nz.govt.marketplace.offering.published.v1" in deliverable_types()


def test_the_stored_event_is_a_valid_cloudevent():
    from datetime import datetime, timezone

    from cloudevents.core.formats.json import JSONFormat

    stored = StoredEvent(seq=1, event_id="e1", type="nz.govt.marketplace.offering.published.v1",
                         source="/services/catalogue", subject="o1", time=datetime.now(timezone.utc),
                         data={"offering": {"id": "o1"}}, stored_at=datetime.now(timezone.utc))
    import orjson

    event = JSONFormat().read(None, orjson.dumps(stored.cloudevent()))
    assert event.get_id() == "e1" and event.get_data() == {"offering": {"id": "o1"}}


@pytest.mark.parametrize("event_type, fields", [
    ("nz.govt.marketplace.offering.forewarned.v1", {"record_id", "expires_on"}),
    ("nz.govt.marketplace.offering.reviewed.v1", {"record_id", "verification"})])
def test_a_record_event_tells_partners_which_record(event_type, fields):
    """Partners learn which assurance record is expiring or was reviewed, never the assessor's note."""
    from partners.webhooks import delivery_model

    rule = VISIBILITY[event_type]
    data = {"aggregate_id": "o1", "version": 4, "occurred_at": "t", "reason": "the assessor's note",
            "record_id": "0123456789abcdef", "expires_on": "2027-01-01", "verification": "verified",
            "offering": {"status": "published", "name": "Kōrero Translate"}}
    projected = rule.project(data)
    assert fields <= set(projected) and "reason" not in projected
    assert fields <= set(delivery_model(event_type).model_fields["data"].annotation.model_fields)
