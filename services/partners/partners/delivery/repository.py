"""Queries of deliveries and attempts: queueing, claiming with a lease, the log."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, delete, exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from partners.delivery.models import Attempt, Delivery
from partners.feed.models import StoredEvent
from partners.subscription.models import Subscription
from servicekit.pagination import paginate


def queue(session: AsyncSession, *, subscription_id: str, event: StoredEvent, kind: str, now: datetime) -> Delivery:
    delivery = Delivery(subscription_id=subscription_id, event_seq=event.seq, event_id=event.event_id,
                        event_type=event.type, subject=event.subject, kind=kind, status="pending",
                        next_attempt_at=now, created_at=now)
    session.add(delivery)
    return delivery


def _due(now: datetime, busy: set[str]):
    """Pending, due, not leased, of an enabled subscription that has room; with per_subject ordering only the
    oldest pending delivery of each subject."""
    earlier = aliased(Delivery)
    older_pending = exists().where(earlier.subscription_id == Delivery.subscription_id,
                                   earlier.subject == Delivery.subject, earlier.status == "pending",
                                   earlier.seq < Delivery.seq)
    conditions = [Delivery.status == "pending", Delivery.next_attempt_at <= now,
                  or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
                  Subscription.status == "enabled",
                  or_(Subscription.ordering == "none", ~older_pending)]
    if busy:
        conditions.append(Delivery.subscription_id.not_in(busy))
    return and_(*conditions)


async def claim(session: AsyncSession, *, now: datetime, lease_seconds: float, limit: int, busy: set[str],
                skip_locked: bool) -> tuple[str, list[Delivery]]:
    """Lease up to `limit` due deliveries to this worker; returns the lease token and the deliveries.

    On PostgreSQL the candidates are locked with SKIP LOCKED, so replicas claiming at once take different
    rows; the lease itself is set with a compare-and-set on the lease, which alone keeps SQLite right."""
    candidates = (select(Delivery.seq).join(Subscription, Subscription.id == Delivery.subscription_id)
                  .where(_due(now, busy)).order_by(Delivery.seq).limit(limit))
    if skip_locked:
        candidates = candidates.with_for_update(skip_locked=True, of=Delivery)
    seqs = list((await session.execute(candidates)).scalars())
    token = str(uuid.uuid4())
    if not seqs:
        return token, []
    await session.execute(
        update(Delivery).where(Delivery.seq.in_(seqs), Delivery.status == "pending",
                               or_(Delivery.lease_until.is_(None), Delivery.lease_until < now))
        .values(lease_until=now + timedelta(seconds=lease_seconds), lease_token=token)
        .execution_options(synchronize_session=False))
    claimed = (await session.execute(select(Delivery).where(Delivery.lease_token == token)
                                     .order_by(Delivery.seq))).scalars()
    return token, list(claimed)


async def held(session: AsyncSession, seq: int, token: str) -> Delivery | None:
    """The delivery while this worker's lease on it still stands."""
    statement = select(Delivery).where(Delivery.seq == seq, Delivery.lease_token == token)
    return (await session.execute(statement)).scalars().first()


def record_attempt(session: AsyncSession, *, delivery: Delivery, at: datetime, status: int | None,
                   latency_ms: float, body: str | None, error: str | None) -> None:
    session.add(Attempt(delivery_seq=delivery.seq, attempted_at=at, response_status=status, latency_ms=latency_ms,
                        response_body=body, error=error))


async def record_successes(session: AsyncSession, batch: list) -> None:
    """Mark deliveries delivered (where the lease still holds), add their attempts and clear their
    subscriptions' failing streak: a few statements for the whole batch."""
    deliveries = Delivery.__table__
    await session.execute(
        deliveries.update().where(deliveries.c.seq == bindparam("b_seq"), deliveries.c.lease_token == bindparam("b_token"))
        .values(status="delivered", finished_at=bindparam("b_at"), attempts=deliveries.c.attempts + 1,
                lease_until=None, lease_token=None, last_error=None),
        [{"b_seq": d.seq, "b_token": token, "b_at": at} for d, token, _, at in batch])
    await session.execute(insert(Attempt), [
        {"delivery_seq": d.seq, "attempted_at": at, "response_status": answer.status, "latency_ms": answer.latency_ms,
         "response_body": answer.body, "error": None} for d, _, answer, at in batch])
    await session.execute(update(Subscription).where(
        Subscription.id.in_({d.subscription_id for d, _, _, _ in batch}), Subscription.failing_since.is_not(None))
        .values(failing_since=None).execution_options(synchronize_session=False))


async def get(session: AsyncSession, subscription_id: str, delivery_id: str) -> Delivery | None:
    statement = select(Delivery).where(Delivery.id == delivery_id, Delivery.subscription_id == subscription_id)
    return (await session.execute(statement)).scalars().first()


async def log_page(session: AsyncSession, *, subscription_id: str, status: str | None, event_type: str | None,
                   since: datetime | None, until: datetime | None, cursor: str | None,
                   limit: int) -> tuple[list[Delivery], str | None]:
    """A subscription's deliveries, newest first."""
    statement = select(Delivery).where(Delivery.subscription_id == subscription_id)
    if status is not None:
        statement = statement.where(Delivery.status == status)
    if event_type is not None:
        statement = statement.where(Delivery.event_type == event_type)
    if since is not None:
        statement = statement.where(Delivery.created_at >= since)
    if until is not None:
        statement = statement.where(Delivery.created_at < until)
    return await paginate(session, statement, order=[Delivery.created_at.desc(), Delivery.seq.desc()],
                          cursor=cursor, limit=limit)


async def attempts_of(session: AsyncSession, seqs: list[int]) -> dict[int, list[Attempt]]:
    found: dict[int, list[Attempt]] = {seq: [] for seq in seqs}
    if seqs:
        rows = await session.execute(select(Attempt).where(Attempt.delivery_seq.in_(seqs)).order_by(Attempt.id))
        for attempt in rows.scalars():
            found[attempt.delivery_seq].append(attempt)
    return found


async def remove_of(session: AsyncSession, subscription_id: str) -> None:
    """Every delivery of a subscription and their attempts."""
    seqs = select(Delivery.seq).where(Delivery.subscription_id == subscription_id)
    await session.execute(delete(Attempt).where(Attempt.delivery_seq.in_(seqs)))
    await session.execute(delete(Delivery).where(Delivery.subscription_id == subscription_id))


async def backlog(session: AsyncSession) -> dict[str, int]:
    """Pending deliveries per subscription."""
    rows = await session.execute(select(Delivery.subscription_id, func.count()).where(Delivery.status == "pending")
                                 .group_by(Delivery.subscription_id))
    return {subscription_id: count for subscription_id, count in rows.all()}
