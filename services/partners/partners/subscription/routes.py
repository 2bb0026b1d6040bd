"""HTTP routes of subscriptions: a partner manages its own; an admin sees and manages every one."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from partners.deps import BoxDep, PartnerDep, SettingsDep
from partners.subscription import repository, service
from partners.subscription.models import (Id, SubscriptionCreate, SubscriptionPublic, SubscriptionUpdate,
                                          SubscriptionWithSecret)
from servicekit.api import ClockDep
from servicekit.concurrency import check_if_match, set_etag
from servicekit.db import SessionDep
from servicekit.idempotency import IdempotencyDep
from servicekit.models import Reason
from servicekit.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(prefix="/api/v1/subscriptions", tags=["subscriptions"])
INVALID = {422: {"description": "a field is not valid: the sink (https, a public host), a type, a filter"}}


def _with_secret(subscription, secret: str) -> SubscriptionWithSecret:
    return SubscriptionWithSecret(**service.public_view(subscription).model_dump(), secret=secret)


@router.post("", status_code=201, response_model=SubscriptionWithSecret, responses=INVALID)
async def create_subscription(subscription_in: SubscriptionCreate, request: Request, session: SessionDep,
                              identity: PartnerDep, clock: ClockDep, settings: SettingsDep, box: BoxDep,
                              idempotency: IdempotencyDep) -> Response:
    """Subscribe to marketplace events; the answer holds the signing secret, shown this once (Idempotency-Key
    honoured: a retry gets the same subscription again, its secret withheld)."""
    if replay := await idempotency.replay():
        return replay
    subscription, secret = await service.create(session, subscription_in=subscription_in, actor=identity,
                                                now=clock.now(), settings=settings, box=box)
    body = _with_secret(subscription, secret)
    return idempotency.respond(201, body, remembered=body.model_copy(update={"secret": None}), headers={
        "Location": f"{request.url.path}/{subscription.id}", "ETag": f'"{subscription.version}"'})


@router.get("", response_model=Page[SubscriptionPublic])
async def list_subscriptions(session: SessionDep, identity: PartnerDep, cursor: CursorQuery = None,
                             limit: LimitQuery = 50):
    """The caller's subscriptions, oldest first (every partner's for an admin)."""
    rows, next_cursor = await repository.list_page(
        session, owner=None if service.sees_everything(identity) else identity.subject, cursor=cursor, limit=limit)
    return Page[SubscriptionPublic](data=[service.public_view(row) for row in rows], next_cursor=next_cursor)


@router.get("/{subscription_id}", response_model=SubscriptionPublic)
async def get_subscription(subscription_id: Id, session: SessionDep, identity: PartnerDep, response: Response):
    """One subscription with its ETag."""
    subscription = await service.get_visible(session, subscription_id, identity)
    set_etag(response, subscription.version)
    return service.public_view(subscription)


@router.patch("/{subscription_id}", response_model=SubscriptionPublic, responses=INVALID)
async def update_subscription(subscription_id: Id, changes: SubscriptionUpdate, request: Request,
                              response: Response, session: SessionDep, identity: PartnerDep, clock: ClockDep,
                              settings: SettingsDep):
    """Change the sink, types, filters, description, rate limit or ordering (If-Match required)."""
    subscription = await service.get_visible(session, subscription_id, identity, for_update=True)
    check_if_match(request, subscription.version)
    subscription = await service.update(session, subscription=subscription, changes_in=changes, actor=identity,
                                        now=clock.now(), settings=settings)
    set_etag(response, subscription.version)
    return service.public_view(subscription)


@router.post("/{subscription_id}/enable", response_model=SubscriptionPublic)
async def enable_subscription(subscription_id: Id, session: SessionDep, identity: PartnerDep, clock: ClockDep,
                              response: Response):
    """Deliveries resume, the oldest pending first."""
    subscription = await service.get_visible(session, subscription_id, identity, for_update=True)
    subscription = await service.enable(session, subscription=subscription, actor=identity.subject, now=clock.now())
    set_etag(response, subscription.version)
    return service.public_view(subscription)


@router.post("/{subscription_id}/disable", response_model=SubscriptionPublic)
async def disable_subscription(subscription_id: Id, session: SessionDep, identity: PartnerDep, clock: ClockDep,
                               response: Response, body: Reason | None = None):
    """Stop deliveries; what is pending waits for the subscription to be enabled again."""
    subscription = await service.get_visible(session, subscription_id, identity, for_update=True)
    subscription = await service.disable(session, subscription=subscription, actor=identity.subject,
                                         now=clock.now(), reason=(body.reason if body else None) or "disabled by "
                                         + identity.subject)
    set_etag(response, subscription.version)
    return service.public_view(subscription)


@router.post("/{subscription_id}/secret/rotate", response_model=SubscriptionWithSecret)
async def rotate_secret(subscription_id: Id, session: SessionDep, identity: PartnerDep, clock: ClockDep,
                        settings: SettingsDep, box: BoxDep, response: Response):
    """A new signing secret, shown this once; deliveries carry signatures by both for the overlap period."""
    subscription = await service.get_visible(session, subscription_id, identity, for_update=True)
    secret = await service.rotate_secret(session, subscription=subscription, actor=identity, now=clock.now(),
                                         settings=settings, box=box)
    set_etag(response, subscription.version)
    return _with_secret(subscription, secret)
