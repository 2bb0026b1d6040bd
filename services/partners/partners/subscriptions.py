"""Every event the partners service consumes, and the handler that applies it: one visible list.

Every type on a topic that carries something partners may see: the store decides, by the visibility
table, what of it is kept (a type without a handler would be dead-lettered instead of ignored)."""

from events import TOPICS
from partners.flows import store_handler
from partners.visibility import public_topics
from servicekit.clock import Clock
from servicekit.consumer import Subscription, on


def subscriptions(clock: Clock) -> list[Subscription]:
    return on(*(event for name in public_topics() for event in TOPICS[name].events),
              handler=store_handler(clock), envelope=True)
