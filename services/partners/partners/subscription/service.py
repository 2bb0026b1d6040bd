"""The rules of subscriptions: who sees which, what may be changed, and the event of every change."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from events.partners import (SubscriptionCreated, SubscriptionDeleted, SubscriptionDisabled, SubscriptionEnabled,
                             SubscriptionEvent, SubscriptionSecretRotated, SubscriptionUpdated)
from partners.settings import PartnersSettings
from partners.subscription import repository
from partners.subscription.matching import BadInput, check_filters, normalise_types
from partners.subscription.models import Subscription, SubscriptionCreate, SubscriptionPublic, SubscriptionUpdate
from partners.secrets import SecretBox, new_secret
from partners.subscription.sinks import check_sink
from servicekit.history import record_change
from servicekit.identity import Identity
from servicekit.outbox import emit
from servicekit.problems import not_found, validation_problem

AGGREGATE = "subscription"


def sees_everything(identity: Identity) -> bool:
    return identity.has_role("admin")


async def get_visible(session: AsyncSession, subscription_id: str, identity: Identity, *,
                      for_update: bool = False) -> Subscription:
    """The subscription when the caller holds it (or is an admin); 404 otherwise, so another partner cannot
    even learn that it exists."""
    subscription = await repository.get(session, subscription_id, for_update=for_update)
    if subscription is None or not (sees_everything(identity) or subscription.owner == identity.subject):
        raise not_found("subscription", subscription_id)
    return subscription


def public_view(subscription: Subscription) -> SubscriptionPublic:
    return SubscriptionPublic.model_validate(subscription, from_attributes=True)


async def _checked(*, settings: PartnersSettings, sink: str | None, types: list[str] | None,
                   filters: list | None) -> dict:
    """The fields as stored, or 422 naming the first field that is wrong."""
    try:
        return {name: value for name, value in {
            "sink": await check_sink(sink, development=settings.is_development) if sink is not None else None,
            "types": normalise_types(types) if types is not None else None,
            "filters": check_filters(filters) if filters is not None else None,
        }.items() if value is not None}
    except BadInput as exc:
        raise validation_problem([{"field": exc.field, "message": exc.message}]) from exc


def _announce(session: AsyncSession, subscription: Subscription, event: type[SubscriptionEvent], *, actor: str,
              at: datetime, action: str, reason: str | None = None, from_state: str | None = None) -> None:
    emit(session, event(aggregate_id=subscription.id, version=subscription.version, occurred_at=at, actor=actor,
                        reason=reason, subscription=subscription.state()))
    record_change(session, aggregate_type=AGGREGATE, aggregate_id=subscription.id, version=subscription.version,
                  action=action, actor=actor, at=at, from_state=from_state, to_state=subscription.status,
                  reason=reason)


async def create(session: AsyncSession, *, subscription_in: SubscriptionCreate, actor: Identity, now: datetime,
                 settings: PartnersSettings, box: SecretBox) -> tuple[Subscription, str]:
    """A new enabled subscription and its signing secret (returned this once)."""
    checked = await _checked(settings=settings, sink=subscription_in.sink, types=subscription_in.types,
                             filters=subscription_in.filters)
    secret = new_secret()
    subscription = Subscription(
        owner=actor.subject, sink=checked["sink"], types=checked["types"], filters=checked["filters"],
        description=subscription_in.description, rate_limit=subscription_in.rate_limit or settings.default_rate_limit,
        ordering=subscription_in.ordering, status="enabled", secret_sealed=box.seal(secret), created_at=now,
        updated_at=now)
    session.add(subscription)
    _announce(session, subscription, SubscriptionCreated, actor=actor.subject, at=now, action="create")
    return subscription, secret


async def update(session: AsyncSession, *, subscription: Subscription, changes_in: SubscriptionUpdate,
                 actor: Identity, now: datetime, settings: PartnersSettings) -> Subscription:
    """Change the fields sent; a field sent as null where it is required is 422."""
    changes = changes_in.model_dump(exclude_unset=True)
    for required in ("sink", "types", "filters", "rate_limit", "ordering"):
        if required in changes and changes[required] is None:
            raise validation_problem([{"field": required, "message": "may be changed but not removed"}])
    changes |= await _checked(settings=settings, sink=changes.get("sink"), types=changes.get("types"),
                              filters=changes.get("filters"))
    for name, value in changes.items():
        setattr(subscription, name, value)
    subscription.version += 1
    subscription.updated_at = now
    _announce(session, subscription, SubscriptionUpdated, actor=actor.subject, at=now, action="update")
    return subscription


async def enable(session: AsyncSession, *, subscription: Subscription, actor: str, now: datetime) -> Subscription:
    """Deliveries resume, the oldest pending first."""
    if subscription.status == "enabled":
        return subscription
    subscription.status, subscription.disabled_reason, subscription.failing_since = "enabled", None, None
    subscription.version += 1
    subscription.updated_at = now
    _announce(session, subscription, SubscriptionEnabled, actor=actor, at=now, action="enable", from_state="disabled")
    return subscription


async def disable(session: AsyncSession, *, subscription: Subscription, actor: str, now: datetime,
                  reason: str) -> Subscription:
    """No delivery is made while disabled; what is pending waits."""
    if subscription.status == "disabled":
        return subscription
    subscription.status, subscription.disabled_reason = "disabled", reason
    subscription.version += 1
    subscription.updated_at = now
    _announce(session, subscription, SubscriptionDisabled, actor=actor, at=now, action="disable", reason=reason,
              from_state="enabled")
    return subscription


async def rotate_secret(session: AsyncSession, *, subscription: Subscription, actor: Identity, now: datetime,
                        settings: PartnersSettings, box: SecretBox) -> str:
    """A new secret; the current one keeps signing beside it for the overlap period."""
    secret = new_secret()
    subscription.previous_secret_sealed = subscription.secret_sealed
    subscription.previous_secret_until = now + timedelta(seconds=settings.rotation_overlap_seconds)
    subscription.secret_sealed = box.seal(secret)
    subscription.version += 1
    subscription.updated_at = now
    _announce(session, subscription, SubscriptionSecretRotated, actor=actor.subject, at=now, action="rotate_secret")
    return secret


async def remove(session: AsyncSession, *, subscription: Subscription, actor: Identity, now: datetime) -> None:
    """Delete the subscription (flows.delete_subscription takes its delivery log with it)."""
    subscription.version += 1
    _announce(session, subscription, SubscriptionDeleted, actor=actor.subject, at=now, action="delete")
    await session.delete(subscription)
