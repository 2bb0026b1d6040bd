"""Every event the assistant consumes, and the handler that applies it: one visible list."""

from assistant.record.handlers import (keep_category, keep_course, keep_offering, keep_registry_entry,
                                       keep_supplier)
from events.catalogue import CATEGORY_TOPIC, OFFERING_TOPIC
from events.hub import REGISTRY_TOPIC
from events.suppliers import SUPPLIER_TOPIC
from events.training import COURSE_TOPIC
from servicekit.consumer import Subscription, on


def subscriptions() -> list[Subscription]:
    # Every type of each topic: each carries the aggregate's whole snapshot, and the row follows it.
    return [
        *on(*CATEGORY_TOPIC.events, handler=keep_category),
        *on(*OFFERING_TOPIC.events, handler=keep_offering),
        *on(*SUPPLIER_TOPIC.events, handler=keep_supplier),
        *on(*COURSE_TOPIC.events, handler=keep_course),
        *on(*REGISTRY_TOPIC.events, handler=keep_registry_entry),
    ]
