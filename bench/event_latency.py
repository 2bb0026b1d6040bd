"""Latency from a supplier's commit to its row in the catalogue's projection, at a steady rate.

The suppliers service and the catalogue run as their own processes on the embedded broker. After
a warm-up, the load posts registrations straight to the suppliers service at a fixed rate; afterwards each
supplier's `created_at` (taken before its commit, so the figure is an upper bound) is compared
with the `applied_at` the catalogue recorded when it applied the event.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from datetime import datetime
from pathlib import Path

import httpx

from bench.processes import running_services
from servicekit.identity import ANONYMOUS_IDENTITY, Identity
from servicekit.testing import identity_headers
from suppliers.supplier.nzbn import nzbn_check_digit

ADMIN = Identity(subject="bench", roles=frozenset({"admin"}))


def _signed(identity: Identity, audience: str) -> dict[str, str]:
    # Signed with the development key, whose public half the development services read.
    return identity_headers(identity, audience)


def _nzbn(n: int) -> str:
    body = f"9429{n:08d}"
    return body + str(nzbn_check_digit(body))


async def _post_at_rate(client: httpx.AsyncClient, url: str, rate: float, count: int, first: int = 0) -> list[str]:
    """POST `count` registrations at `rate` per second (numbered from `first`); returns the new ids."""
    headers = _signed(ANONYMOUS_IDENTITY, "suppliers")
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def one(i: int) -> str:
        await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
        response = await client.post(f"{url}/api/v1/suppliers", headers=headers, json={
            "legal_name": f"Latency {first + i} Ltd", "nzbn": _nzbn(10_000_000 + first + i), "size": "small",
            "contacts": [{"name": "Bench", "email": "bench@example.nz"}]})
        response.raise_for_status()
        return response.json()["id"]

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def _all_rows(client: httpx.AsyncClient, url: str, service: str) -> list[dict]:
    rows, cursor = [], None
    while True:
        params = {"limit": 200} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(url, params=params, headers=_signed(ADMIN, service))).json()
        rows += page["data"]
        if not (cursor := page["next_cursor"]):
            return rows


async def _wait_applied(client: httpx.AsyncClient, projection_url: str, ids: list[str]) -> dict[str, dict]:
    for _ in range(300):
        applied = {r["id"]: r for r in await _all_rows(client, projection_url, "catalogue")}
        if all(i in applied for i in ids):
            break
        await asyncio.sleep(0.1)
    return applied


async def measure(urls: dict[str, str], rate: float, seconds: float, warmup: int = 50) -> dict:
    """Warm up (the first events create the topic and the consumer's first rebalance waits for it),
    then measure `seconds` of steady load."""
    count = int(rate * seconds)
    projection_url = f"{urls['catalogue']}/api/v1/eligibility/suppliers"
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=64)) as client:
        cold = await _post_at_rate(client, urls["suppliers"], rate, warmup, first=count)
        await _wait_applied(client, projection_url, cold)
        ids = await _post_at_rate(client, urls["suppliers"], rate, count)
        applied = await _wait_applied(client, projection_url, ids)
        created = {r["id"]: r for r in await _all_rows(client, f"{urls['suppliers']}/api/v1/suppliers", "suppliers")}
    latencies = sorted(
        (datetime.fromisoformat(applied[i]["applied_at"]) - datetime.fromisoformat(created[i]["created_at"])
         ).total_seconds() * 1000 for i in ids if i in applied)
    return {"events": count, "applied": len(latencies), "rate": rate,
            "p50_ms": statistics.median(latencies), "p99_ms": latencies[int(len(latencies) * 0.99) - 1],
            "max_ms": latencies[-1]}


def run(rate: float = 100.0, seconds: float = 15.0) -> dict:
    with tempfile.TemporaryDirectory() as work:
        with running_services(["suppliers", "catalogue"], Path(work)) as (urls, _broker):
            return asyncio.run(measure(urls, rate, seconds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100.0, help="events per second")
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args()
    result = run(args.rate, args.seconds)
    print(f"event latency, commit -> applied in catalogue projection, {result['rate']:.0f} events/s, "
          f"{result['applied']}/{result['events']} applied: p50 {result['p50_ms']:.1f} ms, "
          f"p99 {result['p99_ms']:.1f} ms, max {result['max_ms']:.1f} ms (target p99 <= 100 ms)")


if __name__ == "__main__":
    main()
