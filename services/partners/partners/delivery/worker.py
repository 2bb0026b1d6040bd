"""The delivery worker: claims due deliveries with a lease, posts them signed, and records what happened.

Several replicas may run it on one PostgreSQL database: a delivery is leased to one worker at a time
(SKIP LOCKED and a compare-and-set on the lease), so each is attempted by one of them; a worker that
dies mid-attempt leaves its lease to run out, and the delivery is tried again with the same webhook-id
(at least once). Per-subject ordering holds across replicas because only the oldest pending delivery of a
subject is ever due. Times here are the wall clock's, not the service's settable clock: the schedule and
the leases must move on their own.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
import orjson

from partners.delivery import repository, signing
from partners.delivery.models import Delivery
from partners.delivery.schedule import THROTTLED, retry_after, retry_delay, utc_now
from partners.feed import repository as feed_repository
from partners.feed.models import StoredEvent
from partners.metrics import PartnerMetrics
from partners.settings import PartnersSettings
from partners.subscription import service as subscriptions
from partners.subscription.models import Subscription
from partners.subscription.sinks import RefusingResolver
from partners.secrets import SecretBox
from servicekit.db import Database

log = logging.getLogger("partners.delivery")
BODY_KEPT_BYTES = 1024
DELIVERY_SIGNAL = "partner-deliveries"


@dataclass
class Answer:
    status: int | None
    body: str | None
    error: str | None
    latency_ms: float
    retry_after: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class RateLimiter:
    """A token bucket per subscription: at most `rate` deliveries per second, bursts of `rate`."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}

    async def take(self, key: str, rate: int) -> None:
        while True:
            now = time.monotonic()
            tokens, at = self._buckets.get(key, (float(rate), now))
            tokens = min(float(rate), tokens + (now - at) * rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return
            self._buckets[key] = (tokens, now)
            await asyncio.sleep((1 - tokens) / rate)


class DeliveryWorker:
    def __init__(self, database: Database, settings: PartnersSettings, metrics: PartnerMetrics, box: SecretBox):
        self.database = database
        self.settings = settings
        self.metrics = metrics
        self.box = box
        self.signal = database.signal(DELIVERY_SIGNAL)
        self.limiter = RateLimiter()
        self.in_flight: dict[str, int] = {}
        self.slots = asyncio.Semaphore(settings.delivery_concurrency)
        self.tasks: set[asyncio.Task] = set()
        self.http: aiohttp.ClientSession | None = None
        # Successful attempts waiting to be written, many to a transaction (the common case is the cheap one).
        self.successes: list[tuple[Delivery, str, Answer, datetime]] = []
        self.recorded = asyncio.Event()

    async def run(self) -> None:
        """Claim and deliver until cancelled."""
        # Development delivers to receivers on loopback; anywhere else no delivery reaches the local network.
        resolver = None if self.settings.is_development else RefusingResolver()
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.settings.attempt_timeout_seconds),
                                          connector=aiohttp.TCPConnector(limit=self.settings.delivery_concurrency,
                                                                         resolver=resolver))
        recorder = asyncio.create_task(self._record_successes())
        try:
            while True:
                claimed = await self.claim_once()
                if not claimed:
                    await self._wait_for_work()
        finally:
            for task in [*self.tasks, recorder]:
                task.cancel()
            await asyncio.gather(*self.tasks, recorder, return_exceptions=True)
            await self.http.close()

    async def _record_successes(self) -> None:
        """Write the successful attempts in batches: one transaction for all that finished meanwhile."""
        while True:
            await self.recorded.wait()
            self.recorded.clear()
            batch, self.successes = self.successes, []
            if not batch:
                continue
            try:
                async with self.database.transaction() as session:
                    await repository.record_successes(session, batch)
            except Exception as exc:  # their leases run out and they are sent again, with the same webhook-id
                log.warning("could not record %d deliveries: %s", len(batch), exc)
                continue
            for delivery, _, _, at in batch:
                self.metrics.attempts.labels("delivered").inc()
                self.metrics.latency.observe(max((at - delivery.created_at).total_seconds(), 0.0))
            self.signal.set()  # the next delivery of those subjects is due now

    async def _wait_for_work(self) -> None:
        try:
            async with asyncio.timeout(self.settings.worker_poll_seconds):
                await self.signal.wait()
        except TimeoutError:
            pass
        self.signal.clear()

    def _busy(self) -> set[str]:
        return {key for key, count in self.in_flight.items() if count >= self.settings.delivery_per_subscription}

    async def claim_once(self) -> int:
        """Lease a batch of due deliveries and start them; returns how many."""
        room = self.settings.delivery_concurrency - len(self.tasks)
        if room <= 0:
            await asyncio.wait(self.tasks, return_when=asyncio.FIRST_COMPLETED)
            return 1
        async with self.database.transaction() as session:
            token, claimed = await repository.claim(
                session, now=utc_now(), lease_seconds=self.settings.lease_seconds,
                limit=min(room, self.settings.delivery_batch_size), busy=self._busy(),
                skip_locked=not self.database.is_sqlite)
            events = await feed_repository.by_seq(session, [d.event_seq for d in claimed])
            owners = {d.subscription_id for d in claimed}
            held = {s.id: s for s in [await session.get(Subscription, key) for key in owners] if s}
        for delivery in claimed:
            self.in_flight[delivery.subscription_id] = self.in_flight.get(delivery.subscription_id, 0) + 1
            task = asyncio.create_task(self._deliver(delivery, token, events.get(delivery.event_seq),
                                                     held.get(delivery.subscription_id)))
            self.tasks.add(task)
            task.add_done_callback(self._done(delivery.subscription_id))
        return len(claimed)

    def _done(self, subscription_id: str):
        def done(task: asyncio.Task) -> None:
            self.tasks.discard(task)
            self.in_flight[subscription_id] -= 1
            self.signal.set()  # the next delivery of that subject may be due now
            if not task.cancelled() and task.exception():
                log.error("delivery task failed: %s", task.exception())
        return done

    async def _deliver(self, delivery: Delivery, token: str, event: StoredEvent | None,
                       subscription: Subscription | None) -> None:
        if event is None or subscription is None:
            await self._finish(delivery, token, None, gone_reason="the event is past the retention period")
            return
        await self.limiter.take(subscription.id, subscription.rate_limit)
        answer = await self._post(subscription, event)
        if answer.ok:
            self.successes.append((delivery, token, answer, utc_now()))
            self.recorded.set()
        else:
            await self._finish(delivery, token, answer)

    def _secrets(self, subscription: Subscription) -> list[str]:
        secrets = [self.box.open(subscription.secret_sealed)]
        if subscription.previous_secret_sealed and subscription.previous_secret_until and \
                subscription.previous_secret_until > utc_now():
            secrets.append(self.box.open(subscription.previous_secret_sealed))
        return secrets

    async def _post(self, subscription: Subscription, event: StoredEvent) -> Answer:
        body = orjson.dumps(event.cloudevent())
        headers = signing.headers(self._secrets(subscription), message_id=event.event_id,
                                  timestamp=int(time.time()), body=body)
        started = time.perf_counter()
        try:
            async with self.http.post(subscription.sink, data=body, headers=headers, allow_redirects=False) as answer:
                content = await answer.content.read(BODY_KEPT_BYTES)
                return Answer(answer.status, content.decode(errors="replace"), None,
                              (time.perf_counter() - started) * 1000, answer.headers.get("Retry-After"))
        except asyncio.TimeoutError:
            error = f"no answer within {self.settings.attempt_timeout_seconds:g} s"
        except aiohttp.ClientError as exc:
            error = f"{type(exc).__name__}: {exc}"
        return Answer(None, None, error, (time.perf_counter() - started) * 1000)

    async def _finish(self, delivery: Delivery, token: str, answer: Answer | None, *,
                      gone_reason: str | None = None) -> None:
        """Record the attempt and decide what follows, unless the lease was lost meanwhile."""
        now = utc_now()
        async with self.database.transaction() as session:
            current = await repository.held(session, delivery.seq, token)
            if current is None:
                return  # the lease ran out and another worker took the delivery over
            current.lease_until = current.lease_token = None
            if answer is None:
                current.status, current.finished_at, current.last_error = "failed", now, gone_reason
                return
            current.attempts += 1
            repository.record_attempt(session, delivery=current, at=now, status=answer.status,
                                      latency_ms=answer.latency_ms, body=answer.body, error=answer.error)
            subscription = await session.get(Subscription, current.subscription_id)
            await self._failed(session, current, subscription, answer, now)

    async def _failed(self, session, delivery: Delivery, subscription: Subscription | None, answer: Answer,
                      now: datetime) -> None:
        delivery.last_error = answer.error or f"the sink answered {answer.status}"
        outcome = "gone" if answer.status == 410 else "failed"
        self.metrics.attempts.labels(outcome if answer.status else "no_answer").inc()
        delay = retry_delay(delivery.attempts, scale=self.settings.retry_scale, jitter=self.settings.retry_jitter)
        if answer.status in THROTTLED and (asked := retry_after(answer.retry_after, now=now)) is not None \
                and delay is not None:
            delay = asked
        if answer.status == 410 or delay is None:
            delivery.status, delivery.finished_at = "failed", now
        else:
            delivery.next_attempt_at = now + timedelta(seconds=delay)
        if subscription is None:
            return
        subscription.failing_since = subscription.failing_since or now
        if answer.status == 410:
            await subscriptions.disable(session, subscription=subscription, actor="system", now=now,
                                        reason="the sink answered 410 Gone")
        elif (now - subscription.failing_since).total_seconds() >= self.settings.disable_after_failing_seconds:
            await subscriptions.disable(session, subscription=subscription, actor="system", now=now, reason=(
                f"every delivery failed since {subscription.failing_since.isoformat()}"))
