"""HTTP routes of a subscription's deliveries: the log, resend, recover, a test delivery, and deletion
(which takes the log with it)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from partners import flows
from partners.deps import DatabaseDep, PartnerDep
from partners.delivery import repository
from partners.delivery.models import (AttemptPublic, Delivery, DeliveryPublic, DeliveryStatus, RecoverOutcome,
                                      RecoverRequest)
from partners.subscription import service as subscriptions
from partners.subscription.models import Id
from servicekit.api import ClockDep
from servicekit.db import SessionDep
from servicekit.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(prefix="/api/v1/subscriptions", tags=["subscriptions"])
DeliveryId = Annotated[str, Path(max_length=64)]
EventType = Annotated[str | None, Query(max_length=200, description="Only deliveries of this event type")]


def _view(delivery: Delivery, attempts: list) -> DeliveryPublic:
    return DeliveryPublic(
        id=delivery.id, subscription_id=delivery.subscription_id, event_id=delivery.event_id,
        event_type=delivery.event_type, subject=delivery.subject, kind=delivery.kind, status=delivery.status,
        attempts=[AttemptPublic.model_validate(a, from_attributes=True) for a in attempts],
        next_attempt_at=delivery.next_attempt_at if delivery.status == "pending" else None,
        created_at=delivery.created_at, finished_at=delivery.finished_at)


@router.get("/{subscription_id}/deliveries", response_model=Page[DeliveryPublic])
async def list_deliveries(subscription_id: Id, session: SessionDep, identity: PartnerDep,
                          status: DeliveryStatus | None = None, type: EventType = None,
                          since: Annotated[datetime | None, Query(description="Queued at or after")] = None,
                          until: Annotated[datetime | None, Query(description="Queued before")] = None,
                          cursor: CursorQuery = None, limit: LimitQuery = 50):
    """The subscription's deliveries, newest first, each with its attempts."""
    await subscriptions.get_visible(session, subscription_id, identity)
    rows, next_cursor = await repository.log_page(session, subscription_id=subscription_id, status=status,
                                                  event_type=type, since=since, until=until, cursor=cursor,
                                                  limit=limit)
    attempts = await repository.attempts_of(session, [row.seq for row in rows])
    return Page[DeliveryPublic](data=[_view(row, attempts[row.seq]) for row in rows], next_cursor=next_cursor)


@router.post("/{subscription_id}/deliveries/{delivery_id}/resend", status_code=202, response_model=DeliveryPublic,
             responses={410: {"description": "the event is past the retention period"}})
async def resend_delivery(subscription_id: Id, delivery_id: DeliveryId, session: SessionDep, identity: PartnerDep,
                          clock: ClockDep):
    """Deliver the event of this delivery again, with the same webhook-id."""
    subscription = await subscriptions.get_visible(session, subscription_id, identity)
    delivery = await flows.resend(session, subscription=subscription, delivery_id=delivery_id, now=clock.now())
    return _view(delivery, [])


@router.post("/{subscription_id}/recover", status_code=202, response_model=RecoverOutcome)
async def recover(subscription_id: Id, body: RecoverRequest, session: SessionDep, identity: PartnerDep,
                  clock: ClockDep):
    """Queue again every event since `since` that the subscription wants (within the retention period)."""
    subscription = await subscriptions.get_visible(session, subscription_id, identity)
    since = body.since if body.since.tzinfo else body.since.replace(tzinfo=clock.now().tzinfo)
    return RecoverOutcome(queued=await flows.recover(session, subscription=subscription, since=since,
                                                     now=clock.now()))


@router.post("/{subscription_id}/test", status_code=202, response_model=DeliveryPublic)
async def test_subscription(subscription_id: Id, session: SessionDep, identity: PartnerDep, clock: ClockDep,
                            database: DatabaseDep):
    """Send a nz.govt.marketplace.subscription.tested.v1 event to the sink."""
    subscription = await subscriptions.get_visible(session, subscription_id, identity)
    delivery = await flows.test_subscription(session, subscription=subscription, actor=identity, now=clock.now(),
                                             is_sqlite=database.is_sqlite)
    return _view(delivery, [])


@router.delete("/{subscription_id}", status_code=204, response_class=Response)
async def delete_subscription(subscription_id: Id, session: SessionDep, identity: PartnerDep, clock: ClockDep):
    """Delete the subscription, what it had pending and its delivery log."""
    subscription = await subscriptions.get_visible(session, subscription_id, identity, for_update=True)
    await flows.delete_subscription(session, subscription=subscription, actor=identity, now=clock.now())
    return Response(status_code=204)
