"""What the topic registry (and so the AsyncAPI document) says each service consumes is what it subscribes to."""

from __future__ import annotations

import pytest
import yaml

from accreditation.subscriptions import subscriptions as accreditation_subscriptions
from assistant.subscriptions import subscriptions as assistant_subscriptions
from assurance.subscriptions import subscriptions as assurance_subscriptions
from catalogue.subscriptions import subscriptions as catalogue_subscriptions
from events import TOPICS, asyncapi
from hub.flows import HubFlows
from hub.subscriptions import subscriptions as hub_subscriptions
from partners.subscriptions import subscriptions as partners_subscriptions
from servicekit.clock import Clock
from training.subscriptions import subscriptions as training_subscriptions

SUBSCRIBED = {
    "accreditation": lambda: accreditation_subscriptions(Clock()),
    "assistant": assistant_subscriptions,
    "assurance": assurance_subscriptions,
    "catalogue": lambda: catalogue_subscriptions(Clock()),
    "hub": lambda: hub_subscriptions(HubFlows(push_to_hub=False)),
    "partners": lambda: partners_subscriptions(Clock()),
    "training": lambda: training_subscriptions(Clock()),
}
PRODUCERS = {topic.producer for topic in TOPICS.values()}


def subscribed_topics(service: str) -> set[str]:
    return {subscription.event.TOPIC for subscription in SUBSCRIBED[service]()} if service in SUBSCRIBED else set()


def documented_consumers() -> dict[str, set[str]]:
    """Topic -> the services the AsyncAPI document shows receiving it."""
    document = yaml.safe_load(asyncapi.DOCUMENT.read_text(encoding="utf-8"))
    receivers: dict[str, set[str]] = {name: set() for name in TOPICS}
    for operation in document["operations"].values():
        address = operation["channel"]["$ref"].removeprefix("#/channels/")
        if operation["action"] == "receive" and address in receivers:
            receivers[address].add(operation["title"].split()[0])
    return receivers


@pytest.mark.parametrize("service", sorted(PRODUCERS | set(SUBSCRIBED)))
def test_declared_consumers_are_the_real_subscribers(service):
    declared = {name for name, topic in TOPICS.items() if service in topic.consumers}
    assert declared == subscribed_topics(service)


@pytest.mark.parametrize("service", sorted(PRODUCERS | set(SUBSCRIBED)))
def test_the_document_shows_what_each_service_subscribes_to(service):
    documented = {name for name, receivers in documented_consumers().items() if service in receivers}
    assert documented == subscribed_topics(service)


def test_every_topic_with_consumers_is_subscribed_by_each_of_them():
    for name, topic in TOPICS.items():
        for service in topic.consumers:
            assert name in subscribed_topics(service), f"{service} is listed on {name} but does not subscribe"
