"""Delivery latency to partners: from an event's commit to a partner's receiver.

The partners service runs as its own process on the embedded broker (SQLite). Ten subscriptions (to
every category event) point at receivers on loopback in this process. After a warm-up, category events
are sent onto the catalogue's topic at a steady rate, as its outbox relay sends them, each with
`occurred_at` (its commit) set as it is sent; each receiver notes when each delivery arrived, and the
latency is that minus `occurred_at`. The fan-out rate is events x subscriptions delivered per second;
`--rates` tries several event rates.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import httpx
import orjson
from aiohttp import web
from aiokafka import AIOKafkaProducer

from bench.processes import running_services
from events import Envelope, source_for
from events.catalogue import CategoryCreated
from servicekit.identity import Identity
from servicekit.testing import create_postgres_database, drop_postgres_database, identity_headers

ADMIN = Identity(subject="bench", roles=frozenset({"admin"}))
PARTNER = Identity(subject="bench-partner", roles=frozenset({"partner"}))
SUBSCRIPTIONS = 10


def _signed(identity: Identity) -> dict[str, str]:
    return identity_headers(identity, "partners")


class Receivers:
    """One webhook path per subscription; records each delivery's subject and commit-to-arrival latency."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[str, str, float]] = []  # (path, subject, latency in ms)

    async def hook(self, request: web.Request) -> web.Response:
        arrived = datetime.now(timezone.utc)
        event = orjson.loads(await request.read())
        committed = datetime.fromisoformat(event["data"]["occurred_at"])
        self.deliveries.append((request.match_info["name"], event["subject"],
                                (arrived - committed).total_seconds() * 1000))
        return web.Response(status=204)

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/hook/{name}", self.hook)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        return f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"

    def latencies(self, subjects: set[str]) -> list[float]:
        return [latency for _, subject, latency in self.deliveries if subject in subjects]


async def _produce_at_rate(bootstrap: str, rate: float, count: int, tag: str) -> list[str]:
    """Category events on the catalogue's topic at `rate` per second, as its relay would send them (the
    catalogue itself is left out: at this rate its own commits would be what is measured)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False, linger_ms=0)
    await producer.start()
    loop = asyncio.get_running_loop()
    start, codes, sent = loop.time(), [], []
    try:
        for i in range(count):
            await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
            code = f"bench.{tag}.c{i}"
            event = CategoryCreated(aggregate_id=code, version=1, occurred_at=datetime.now(timezone.utc),
                                    category={"code": code, "axis": "solution", "name": f"Bench {i}",
                                              "description": "A bench category.", "status": "active"})
            envelope = Envelope(type=event.TYPE, source=source_for("catalogue"), subject=code,
                                data=event.model_dump(mode="json"), time=event.occurred_at)
            sent.append(await producer.send(event.TOPIC, envelope.value(), key=envelope.key,
                                            headers=envelope.headers()))
            codes.append(code)
        await asyncio.gather(*sent)
    finally:
        await producer.stop()
    return codes


async def _subscribe(client: httpx.AsyncClient, url: str, sink: str) -> None:
    response = await client.post(f"{url}/api/v1/subscriptions", headers=_signed(PARTNER), json={
        "sink": sink, "types": ["category.*"], "rate_limit": 1000})
    response.raise_for_status()


async def _one_rate(bootstrap: str, receivers: Receivers, rate: float, seconds: float, tag: str) -> dict:
    count = int(rate * seconds)
    started = time.monotonic()
    codes = set(await _produce_at_rate(bootstrap, rate, count, tag))
    created = time.monotonic() - started
    expected, deadline = count * SUBSCRIPTIONS, time.monotonic() + 120
    while time.monotonic() < deadline and len(receivers.latencies(codes)) < expected:
        await asyncio.sleep(0.05)
    finished = time.monotonic()
    values = sorted(receivers.latencies(codes))
    return {"rate": rate, "events": count, "deliveries": len(values), "expected": expected,
            "p50_ms": statistics.median(values), "p99_ms": values[max(int(len(values) * 0.99) - 1, 0)],
            "max_ms": values[-1], "fan_out_per_s": len(values) / (finished - started), "created_s": created}


async def measure(urls: dict[str, str], bootstrap: str, rates: list[float], seconds: float) -> list[dict]:
    receivers = Receivers()
    base = await receivers.start()
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=64)) as client:
        for n in range(SUBSCRIPTIONS):
            await _subscribe(client, urls["partners"], f"{base}/hook/s{n}")
        # Warm-up: the topic, the consumer's first rebalance, the connection pools.
        warm = await _one_rate(bootstrap, receivers, 50, 2, "warm" + uuid.uuid4().hex[:4])
        assert warm["deliveries"] == warm["expected"], warm
        results = [await _one_rate(bootstrap, receivers, rate, seconds, f"r{int(rate)}") for rate in rates]
    await receivers.runner.cleanup()
    return results


def run(rates: list[float], seconds: float, *, postgres: bool = False) -> list[dict]:
    database = asyncio.run(create_postgres_database("bench_partners")) if postgres else None
    try:
        with tempfile.TemporaryDirectory() as work:
            with running_services(["partners"], Path(work), database_urls={"partners": database} if database else None
                                  ) as (urls, broker):
                return asyncio.run(measure(urls, broker.bootstrap_servers, rates, seconds))
    finally:
        if database:
            asyncio.run(drop_postgres_database(database))


def report(results: list[dict], seconds: float) -> None:
    for result in results:
        verdict = "meets" if result["p99_ms"] <= 150 else "MISSES"
        print(f"partner delivery, commit -> received, {SUBSCRIPTIONS} subscriptions, {result['rate']:.0f} events/s "
              f"for {seconds:g} s ({result['deliveries']}/{result['expected']} delivered): p50 "
              f"{result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, max {result['max_ms']:.1f} ms, "
              f"fan-out {result['fan_out_per_s']:.0f} deliveries/s ({verdict} the p99 <= 150 ms target; sending took "
              f"{result['created_s']:.1f} s)")
    within = [r for r in results if r["p99_ms"] <= 1000 and r["deliveries"] == r["expected"]]
    best = max((r["fan_out_per_s"] for r in within), default=None)
    print(f"  highest fan-out with p99 <= 1 s: {best:.0f} deliveries/s" if best else
          "  no rate tried kept p99 <= 1 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", type=lambda text: [float(r) for r in text.split(",")], default=[200.0],
                        help="event rates to try, comma-separated")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--postgres", action="store_true", help="the partners service on PostgreSQL, not SQLite")
    args = parser.parse_args()
    print(f"partners on {'PostgreSQL' if args.postgres else 'SQLite'}")
    report(run(args.rates, args.seconds, postgres=args.postgres), args.seconds)


if __name__ == "__main__":
    main()
