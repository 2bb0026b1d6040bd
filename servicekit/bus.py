"""Kafka clients configured the same way everywhere (embedded Tansu or Apache Kafka)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener

from servicekit.settings import ServiceSettings


def _connection_options(settings: ServiceSettings) -> dict:
    options: dict = {"bootstrap_servers": settings.kafka_bootstrap_servers,
                     "security_protocol": settings.kafka_security_protocol}
    if settings.kafka_sasl_mechanism:
        options |= {"sasl_mechanism": settings.kafka_sasl_mechanism,
                    "sasl_plain_username": settings.kafka_sasl_username,
                    "sasl_plain_password": settings.kafka_sasl_password}
    if settings.kafka_security_protocol.endswith("SSL"):
        from aiokafka.helpers import create_ssl_context

        options["ssl_context"] = create_ssl_context()
    return options


def create_producer(settings: ServiceSettings) -> AIOKafkaProducer:
    """A producer that waits for all replicas and fails fast enough to notice a broker outage."""
    return AIOKafkaProducer(
        **_connection_options(settings),
        client_id=settings.service_name,
        acks="all",
        enable_idempotence=settings.kafka_enable_idempotence,
        linger_ms=0,
        request_timeout_ms=5000,
        retry_backoff_ms=100,
    )


def create_consumer(settings: ServiceSettings, group: str, topics: list[str],
                    listener: ConsumerRebalanceListener | None = None) -> AIOKafkaConsumer:
    """A group consumer whose offsets are committed by the runner, never automatically."""
    consumer = AIOKafkaConsumer(
        *([] if listener else topics),
        **_connection_options(settings),
        client_id=f"{settings.service_name}-{group}",
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
        rebalance_timeout_ms=settings.kafka_rebalance_timeout_ms,
        request_timeout_ms=10000,
        retry_backoff_ms=100,
        metadata_max_age_ms=5000,
    )
    if listener:
        consumer.subscribe(topics, listener=listener)
    return consumer


async def broker_reachable(settings: ServiceSettings, timeout: float = 1.0) -> bool:
    """True when a TCP connection to some bootstrap server opens within the timeout."""
    for server in settings.kafka_bootstrap_servers.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, int(port)), timeout)
        except (OSError, asyncio.TimeoutError, ValueError):
            continue
        writer.close()
        return True
    return False


class BrokerUnavailable(Exception):
    """The broker did not answer or acknowledge (kept apart from OSError, which says the database is away)."""


def header_values(record) -> dict[str, str]:
    """A Kafka record's headers by name, as text (a byte that is not UTF-8 reads as U+FFFD: a header is
    never a reason to fail reading a record)."""
    return {key: value.decode(errors="replace") for key, value in record.headers or ()}


def header_of(record, name: str) -> str | None:
    """One header of a Kafka record as text, or None."""
    return header_values(record).get(name)


class Pace:
    """At most `per_second` items a second on average (0: no limit): `take(n)` waits until n more fit.

    A consumer catching up on a long backlog would otherwise take every cycle the machine has from the
    requests of its own and its neighbours' processes; paced, it catches up more slowly and they keep
    answering. The first items go at once: a consumer that is not behind never waits."""

    def __init__(self, per_second: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        self.per_second, self.clock, self.sleep = per_second, clock, sleep
        self.free_at: float | None = None

    async def take(self, items: int) -> None:
        if self.per_second <= 0 or items <= 0:
            return
        now = self.clock()
        if self.free_at is not None and self.free_at > now:
            await self.sleep(self.free_at - now)
            now = self.free_at
        self.free_at = max(now, self.free_at or now) + items / self.per_second


class Backoff:
    """Exponential backoff between retries, capped."""

    def __init__(self, first: float = 0.1, cap: float = 5.0):
        self.first, self.cap, self.current = first, cap, first

    async def wait(self) -> None:
        await asyncio.sleep(self.current)
        self.current = min(self.current * 2, self.cap)

    def reset(self) -> None:
        self.current = self.first
