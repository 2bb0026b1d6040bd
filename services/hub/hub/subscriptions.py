"""Every event the hub consumes, and the handler that applies it: one visible list."""

from events.accreditation import ACCREDITATION_TOPIC
from events.catalogue import CATEGORY_TOPIC, OFFERING_TOPIC
from events.suppliers import AGREEMENT_TOPIC, SUPPLIER_TOPIC
from events.training import COURSE_TOPIC
from hub.registry.service import apply_source_event
from servicekit.consumer import Subscription, on

# The topics the registry is built from (the applications topic carries nothing the registry shows).
SOURCE_TOPICS = [OFFERING_TOPIC, CATEGORY_TOPIC, SUPPLIER_TOPIC, AGREEMENT_TOPIC, ACCREDITATION_TOPIC, COURSE_TOPIC]


def subscriptions() -> list[Subscription]:
    """Every event of the source topics, applied by the registry (which takes its times from the events, so it
    needs no clock of its own)."""
    return on(*(event for topic in SOURCE_TOPICS for event in topic.events), handler=apply_source_event)
