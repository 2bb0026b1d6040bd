"""Every event the assurance service consumes, and the handler that applies it: one visible list."""

from assurance.subject.handlers import keep_offering, keep_use_case
from events.catalogue import OFFERING_TOPIC
from events.hub import REGISTRY_TOPIC
from servicekit.consumer import Subscription, on


def subscriptions() -> list[Subscription]:
    """Every offering event (to know whose offering is whose) and every registry event (to know use cases)."""
    return [*on(*OFFERING_TOPIC.events, handler=keep_offering), *on(*REGISTRY_TOPIC.events, handler=keep_use_case)]
