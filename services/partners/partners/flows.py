"""What spans the partners service's domains, in one place.

The store of deliverable events is at the bottom; subscriptions say who wants what; deliveries tie an
event to a subscription. Storing an event queues a delivery for every enabled subscription that wants
it, in the same transaction as the store row and the consumer's inbox row, so an event is queued once
or not at all. Test, resend and recover queue deliveries too; deleting a subscription takes its log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from events import Envelope, Event, source_for
from events.partners import SubscriptionTested
from partners.delivery import repository as deliveries
from partners.delivery.models import Delivery
from partners.delivery.worker import DELIVERY_SIGNAL
from partners.feed import repository as store_repository
from partners.feed import service as store
from partners.feed.models import StoredEvent
from partners.subscription import repository as subscription_repository
from partners.subscription import service as subscriptions
from partners.subscription.matching import EventFacts, wants
from partners.subscription.models import Subscription
from servicekit.clock import Clock
from servicekit.db import wake_on_commit
from servicekit.identity import Identity
from servicekit.outbox import emit
from servicekit.problems import Problem, not_found

SERVICE = "partners"


def _facts(event: StoredEvent) -> EventFacts:
    return EventFacts(type=event.type, source=event.source, subject=event.subject)


def fan_out(session: AsyncSession, event: StoredEvent, targets: list[Subscription], *, now: datetime) -> int:
    """Queue the event for every subscription in `targets` that wants it. A subscription takes what happened
    from its creation on, however late this service hears of it (a consumer catching up, a broker's log
    read again); what happened before is for `recover`."""
    facts, queued = _facts(event), 0
    for subscription in targets:
        if event.time >= subscription.created_at and wants(subscription.types, subscription.filters, facts):
            deliveries.queue(session, subscription_id=subscription.id, event=event, kind="event", now=now)
            queued += 1
    if queued:
        wake_on_commit(session, DELIVERY_SIGNAL)
    return queued


def is_sqlite(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def store_handler(clock: Clock):
    """The consumer's handler of every event on a public topic."""

    async def handle(session: AsyncSession, event: Event, envelope: Envelope) -> None:
        now = clock.now()
        stored = await store.store(session, envelope=envelope, event=event, now=now, is_sqlite=is_sqlite(session))
        if stored is None:
            return
        wake_on_commit(session, store.FEED_SIGNAL)
        fan_out(session, stored, await subscription_repository.enabled(session), now=now)

    return handle


async def test_subscription(session: AsyncSession, *, subscription: Subscription, actor: Identity, now: datetime,
                            is_sqlite: bool) -> Delivery:
    """Send the subscription a `subscription.tested` event (announced on the service's own topic too)."""
    event = SubscriptionTested(aggregate_id=subscription.id, version=subscription.version, occurred_at=now,
                               actor=actor.subject, subscription=subscription.state())
    row = emit(session, event)
    envelope = Envelope(id=row.event_id, type=event.TYPE, source=source_for(SERVICE), subject=subscription.id,
                        time=now, data=json_data(event))
    stored = await store.store_private(session, envelope=envelope, subscription_id=subscription.id, now=now,
                                       is_sqlite=is_sqlite)
    delivery = deliveries.queue(session, subscription_id=subscription.id, event=stored, kind="test", now=now)
    wake_on_commit(session, DELIVERY_SIGNAL)
    return delivery


def json_data(event: Event) -> dict:
    """The event's data as JSON types (times as RFC 3339 strings), as a consumer would have read it."""
    return event.model_dump(mode="json", exclude={"actor", "reason"})


async def resend(session: AsyncSession, *, subscription: Subscription, delivery_id: str, now: datetime) -> Delivery:
    """Queue the event of one delivery again (same webhook-id), whatever became of it."""
    earlier = await deliveries.get(session, subscription.id, delivery_id)
    if earlier is None:
        raise not_found("delivery", delivery_id)
    event = (await store_repository.by_seq(session, [earlier.event_seq])).get(earlier.event_seq)
    if event is None:
        raise Problem(410, "the event of this delivery is past the retention period", kind="gone")
    delivery = deliveries.queue(session, subscription_id=subscription.id, event=event, kind="resend", now=now)
    wake_on_commit(session, DELIVERY_SIGNAL)
    return delivery


async def recover(session: AsyncSession, *, subscription: Subscription, since: datetime, now: datetime) -> int:
    """Queue again every stored event since `since` that the subscription wants, in store order."""
    queued = 0
    facts_wanted = (subscription.types, subscription.filters)
    for event in await store_repository.since(session, since):
        if wants(*facts_wanted, _facts(event)):
            deliveries.queue(session, subscription_id=subscription.id, event=event, kind="recover", now=now)
            queued += 1
    if queued:
        wake_on_commit(session, DELIVERY_SIGNAL)
    return queued


async def delete_subscription(session: AsyncSession, *, subscription: Subscription, actor: Identity,
                              now: datetime) -> None:
    await deliveries.remove_of(session, subscription.id)
    await subscriptions.remove(session, subscription=subscription, actor=actor, now=now)
