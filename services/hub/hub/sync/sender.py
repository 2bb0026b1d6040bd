"""Pushing the sync queue to the external hub.

Each queue row is one entry; the sender sends the entry's state as it is when sent (PUT while
listed, DELETE once it left), so a later change supersedes an earlier one that has not gone yet. A
sender leases the rows it pushes, so a row is handed to the hub only once at a time and an entry's
pushes are never reordered. A row leaves the queue only when the hub acknowledged the version the row asked for
(or a newer one); a failure (hub down, 5xx) keeps the row and retries it with exponential backoff.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from prometheus_client import CollectorRegistry, Counter, Gauge
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.registry.models import RegistryEntry, public
from hub.settings import HubSettings
from hub.sync.client import HubClient, HubUnavailable
from hub.sync.models import SyncItem, SyncState
from servicekit.db import Database

log = logging.getLogger("hub.sync")


@dataclass
class Outcome:
    entry_id: str
    sent_version: int
    error: str | None = None


def hub_document(entry: RegistryEntry) -> dict:
    """What the hub stores for an entry: its public form and the digest reconciliation compares."""
    return public(entry).model_dump(mode="json") | {"digest": entry.digest}


async def sync_state(session: AsyncSession) -> SyncState:
    state = await session.get(SyncState, 1)
    if state is None:
        state = SyncState(id=1)
        session.add(state)
    return state


class SyncMetrics:
    """The sync on /metrics: queue backlog, pushes and failed pushes."""

    def __init__(self, registry: CollectorRegistry | None = None):
        registry = registry or CollectorRegistry()
        self.backlog = Gauge("hub_sync_backlog", "Registry entries waiting to be pushed to the hub", registry=registry)
        self.pushed = Counter("hub_sync_pushed_total", "Pushes the hub acknowledged", registry=registry)
        self.failures = Counter("hub_sync_failures_total", "Pushes that failed and will be retried",
                                registry=registry)


class SyncSender:
    def __init__(self, database: Database, settings: HubSettings, client: HubClient, signal: asyncio.Event,
                 metrics: SyncMetrics | None = None):
        self.database = database
        self.settings = settings
        self.client = client
        self.signal = signal
        self.metrics = metrics or SyncMetrics()

    async def run(self) -> None:
        """Push until cancelled."""
        while True:
            if await self.push_due() < self.settings.sync_batch_size:
                await self._wait_for_work()

    async def _wait_for_work(self) -> None:
        async with self.database.sessions() as session:
            next_due = await session.scalar(select(func.min(SyncItem.next_attempt_at)))
        wait = self.settings.sync_poll_seconds
        if next_due is not None:
            wait = min(wait, max((next_due - datetime.now(timezone.utc)).total_seconds(), 0.0))
        if wait > 0:
            try:
                async with asyncio.timeout(wait):
                    await self.signal.wait()
            except TimeoutError:
                pass
        self.signal.clear()

    async def push_due(self) -> int:
        """Push one batch of due rows; returns how many rows were due."""
        due, found = await self._claim_due()
        if not due:
            return 0
        gate = asyncio.Semaphore(self.settings.sync_concurrency)

        async def push(item: SyncItem) -> Outcome:
            async with gate:
                return await self._push(item.entry_id, found.get(item.entry_id))

        outcomes = await asyncio.gather(*(push(item) for item in due))
        await self._record(outcomes)
        return len(due)

    async def _claim_due(self) -> tuple[list[SyncItem], dict[str, RegistryEntry]]:
        """The due rows, leased to this sender (SKIP LOCKED on PostgreSQL, so replicas share the queue
        without two pushing one entry at once), and the entries they stand for, as they are now."""
        now = datetime.now(timezone.utc)
        statement = (select(SyncItem).where(SyncItem.next_attempt_at <= now)
                     .order_by(SyncItem.enqueued_at, SyncItem.entry_id).limit(self.settings.sync_batch_size))
        if not self.database.is_sqlite:
            statement = statement.with_for_update(skip_locked=True)
        # The lease outlasts any push (bounded by the client's timeout); a sender that dies mid-way
        # leaves rows that fall due again when it runs out.
        lease_until = now + timedelta(seconds=self.settings.sync_timeout_seconds * 3)
        async with self.database.transaction() as session:
            due = list((await session.execute(statement)).scalars().all())
            for item in due:
                item.next_attempt_at = lease_until
            found = {e.id: e for e in (await session.execute(
                select(RegistryEntry).where(RegistryEntry.id.in_([i.entry_id for i in due])))).scalars().all()}
        return due, found

    async def _push(self, entry_id: str, entry: RegistryEntry | None) -> Outcome:
        version = entry.version if entry else 0
        try:
            if entry is not None and entry.listed:
                await self.client.put(entry_id, hub_document(entry))
            else:
                await self.client.delete(entry_id)
        except HubUnavailable as exc:
            return Outcome(entry_id, version, str(exc))
        return Outcome(entry_id, version)

    def _backoff(self, attempts: int) -> timedelta:
        seconds = min(self.settings.sync_backoff_first_seconds * 2 ** (attempts - 1),
                      self.settings.sync_backoff_cap_seconds)
        return timedelta(seconds=seconds * random.uniform(0.8, 1.0))

    @staticmethod
    async def _settle(session: AsyncSession, outcome: Outcome, now: datetime) -> None:
        """Drop the row of a pushed entry, unless the entry changed while the push was in flight: then its
        newer state goes next, at once. The version is compared inside the DELETE, under the row's write lock,
        because a change committed between reading the row and deleting it must not be lost."""
        settled = await session.execute(delete(SyncItem).where(SyncItem.entry_id == outcome.entry_id,
                                                               SyncItem.entry_version <= outcome.sent_version))
        if settled.rowcount == 0:
            await session.execute(update(SyncItem).where(SyncItem.entry_id == outcome.entry_id)
                                  .values(attempts=0, next_attempt_at=now, last_error=None))

    async def _record(self, outcomes: list[Outcome]) -> None:
        now = datetime.now(timezone.utc)
        async with self.database.transaction() as session:
            state = await sync_state(session)
            for outcome in outcomes:
                if outcome.error is None:
                    state.pushed_total += 1
                    state.last_success_at = now
                    state.consecutive_failures = 0
                    await self._settle(session, outcome, now)
                    continue
                item = await session.get(SyncItem, outcome.entry_id)
                if item is None:
                    continue
                item.attempts += 1
                item.last_error = outcome.error[:2000]
                item.next_attempt_at = now + self._backoff(item.attempts)
                state.failures_total += 1
                state.consecutive_failures += 1
                state.last_failure_at = now
                state.last_error = item.last_error
            failed = sum(1 for o in outcomes if o.error)
            self.metrics.pushed.inc(len(outcomes) - failed)
            self.metrics.failures.inc(failed)
            await session.flush()
            self.metrics.backlog.set(await session.scalar(select(func.count()).select_from(SyncItem)) or 0)
            if failed:
                log.warning("hub sync: %d of %d pushes failed; retrying with backoff (%s)", failed, len(outcomes),
                            next(o.error for o in outcomes if o.error))
