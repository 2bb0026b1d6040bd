"""Every event the hub consumes, and the handler that applies it: one visible list."""

from hub.flows import HubFlows
from hub.registry.projection import SOURCE_TOPICS
from servicekit.consumer import Subscription, on


def subscriptions(flows: HubFlows) -> list[Subscription]:
    """Every event of the registry's source topics (the registry takes its times from the events, so it needs
    no clock of its own)."""
    return on(*(event for topic in SOURCE_TOPICS for event in topic.events), handler=flows.apply_source_event)
