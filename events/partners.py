"""Contracts of the partners service: the subscriptions partner systems hold to marketplace events."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from events.base import Contract, Event
from events.topics import event_type, topic

SUBSCRIPTION_TOPIC = topic(
    "partners.subscription.v1",
    producer="partners",
    description="Life of every partner subscription to marketplace events: creation, changes, enabling and "
                "disabling (by its partner, or by the service when the sink answered 410 or kept failing), "
                "secret rotation, test deliveries, deletion. The signing secret never travels.",
)

SubscriptionStatus = Literal["enabled", "disabled"]
Ordering = Literal["per_subject", "none"]


class SubscriptionState(Contract):
    """Public state of a subscription (its signing secret is never part of it)."""

    id: str
    owner: str = Field(description="Client id of the partner system that holds it")
    sink: str = Field(description="The URL deliveries are posted to")
    types: list[str] = Field(description="CloudEvents types, exact or a prefix ending in *")
    filters: list[dict[str, Any]] = Field(default=[], description="CloudEvents Subscriptions API filters")
    description: str | None = None
    rate_limit: int = Field(description="Deliveries per second at most")
    ordering: Ordering
    status: SubscriptionStatus
    disabled_reason: str | None = Field(default=None, description="Why it is disabled, while it is")


class SubscriptionEvent(Event):
    subscription: SubscriptionState


@event_type(SUBSCRIPTION_TOPIC, "nz.govt.marketplace.subscription.created.v1")
class SubscriptionCreated(SubscriptionEvent):
    """A partner subscribed to marketplace events."""


@event_type(SUBSCRIPTION_TOPIC, "nz.govt.marketplace.subscription.updated.v1")
class SubscriptionUpdated(SubscriptionEvent):
    """The partner changed the sink, types, filters, description, rate limit or ordering."""


@event_type(SUBSCRIPTION_TOPIC, "nz.govt.marketplace.subscription.enabled.v1")
class SubscriptionEnabled(SubscriptionEvent):
    """A disabled subscription receives deliveries again."""


@event_type(SUBSCRIPTION_TOPIC, "nz.govt.marketplace.subscription.disabled.v1")
class SubscriptionDisabled(SubscriptionEvent):
    """The subscription stopped receiving deliveries: by its partner, or because the sink answered 410 Gone or
    kept failing (reason given)."""


@event_type(SUBSCRIPTION_TOPIC, "nz.govt.marketplace.subscription.rotated.v1")
class SubscriptionSecretRotated(SubscriptionEvent):
    """A new signing secret was issued; the previous one still signs for the overlap period."""


@event_type(SUBSCRIPTION_TOPIC, "nz.govt.marketplace.subscription.tested.v1")
class SubscriptionTested(SubscriptionEvent):
    """The partner asked for a test delivery; the same event is what its sink receives."""


@event_type(SUBSCRIPTION_TOPIC, "nz.govt.marketplace.subscription.deleted.v1")
class SubscriptionDeleted(SubscriptionEvent):
    """The partner deleted the subscription; nothing more is delivered to it."""
