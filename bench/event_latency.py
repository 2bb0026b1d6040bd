"""Latency from a supplier's commit to its row in the catalogue's projection, at steady rates stepped up.

The suppliers service and the catalogue run as their own processes on the embedded broker. After
a warm-up, the load posts registrations straight to the suppliers service at a fixed rate, one step
after another; afterwards each supplier's `created_at` (taken before its commit, so the figure is an
upper bound) is compared with the `applied_at` the catalogue recorded when it applied the event.

    python -m bench.event_latency [--rate 100 --rate 250 ...] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import tempfile
from datetime import datetime, timezone
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

    async def one(i: int) -> str | None:
        await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
        try:
            response = await client.post(f"{url}/api/v1/suppliers", headers=headers, json={
                "legal_name": f"Latency {first + i} Ltd", "nzbn": _nzbn(10_000_000 + first + i), "size": "small",
                "contacts": [{"name": "Bench", "email": "bench@example.nz"}]})
        except httpx.HTTPError:  # counted as not applied: past its rate the service answers late or not at all
            return None
        return response.json()["id"] if response.status_code == 201 else None

    return [i for i in await asyncio.gather(*(one(i) for i in range(count))) if i]


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


STEPS = (100.0, 250.0, 500.0, 1000.0, 2000.0)


def _stored_latencies(work: Path, ids: list[str]) -> tuple[list[float], float]:
    """Commit -> applied per event, read from the two SQLite files (paging the projection over HTTP would
    load the services at the larger steps); and the rate the registrations were really made at."""
    with sqlite3.connect(work / "suppliers.db") as suppliers, sqlite3.connect(work / "catalogue.db") as catalogue:
        created = dict(suppliers.execute("SELECT id, created_at FROM suppliers"))
        applied = dict(catalogue.execute("SELECT id, applied_at FROM catalogue_suppliers"))
    latencies = sorted((_when(applied[i]) - _when(created[i])).total_seconds() * 1000 for i in ids if i in applied)
    moments = sorted(_when(created[i]) for i in ids if i in created)
    span = (moments[-1] - moments[0]).total_seconds() if len(moments) > 1 else 0.0
    return latencies, (len(moments) - 1) / span if span else 0.0


def _when(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _applied_count(work: Path) -> int:
    with sqlite3.connect(work / "catalogue.db") as catalogue:
        return catalogue.execute("SELECT count(*) FROM catalogue_suppliers").fetchone()[0]


async def _wait_count(work: Path, count: int, timeout: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while _applied_count(work) < count and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.2)


async def measure_steps(urls: dict[str, str], work: Path, rates: tuple[float, ...], seconds: float,
                        warmup: int = 50) -> list[dict]:
    """The same services through rising steady rates; each step waits for the previous one's last event.
    Stops after a step whose p99 is over a second or whose registrations fell well behind the rate asked."""
    results, first = [], 0
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=64)) as client:
        await _post_at_rate(client, urls["suppliers"], 100.0, warmup, first=10_000_000)
        await _wait_count(work, warmup, 60)
        for rate in rates:
            count = int(rate * seconds)
            ids = await _post_at_rate(client, urls["suppliers"], rate, count, first=first)
            first += count
            await _wait_count(work, warmup + first, 120)
            latencies, achieved = _stored_latencies(work, ids)
            pick = lambda q: latencies[max(0, int(len(latencies) * q) - 1)]  # noqa: E731
            results.append({"rate": rate, "achieved": achieved, "events": count, "applied": len(latencies),
                            "p50_ms": statistics.median(latencies), "p99_ms": pick(0.99), "max_ms": latencies[-1]})
            if pick(0.99) > 1000 or achieved < 0.8 * rate:
                break
    return results


def run_steps(rates: tuple[float, ...] = STEPS, seconds: float = 10.0) -> list[dict]:
    with tempfile.TemporaryDirectory() as work:
        with running_services(["suppliers", "catalogue"], Path(work)) as (urls, _broker):
            return asyncio.run(measure_steps(urls, Path(work), rates, seconds))


def report_steps(results: list[dict], seconds: float) -> None:
    print(f"event pipeline, commit -> applied in the catalogue projection, {seconds:g} s per step "
          "(targets: 1000/s at p99 <= 100 ms, 250/s at p99 <= 25 ms):")
    print("  | asked ev/s | made ev/s | applied | p50 ms | p99 ms | max ms |")
    for r in results:
        print(f"  | {r['rate']:.0f} | {r['achieved']:.0f} | {r['applied']}/{r['events']} | {r['p50_ms']:.1f} | "
              f"{r['p99_ms']:.1f} | {r['max_ms']:.1f} |")
    held = [r["rate"] for r in results if r["p99_ms"] <= 100 and r["achieved"] >= 0.95 * r["rate"]]
    print(f"  highest step held at p99 <= 100 ms: {max(held):.0f} ev/s" if held else
          "  no step held p99 <= 100 ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, action="append", help="events per second (repeat for steps)")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per step")
    args = parser.parse_args()
    report_steps(run_steps(tuple(args.rate or STEPS), args.seconds), args.seconds)


if __name__ == "__main__":
    main()
