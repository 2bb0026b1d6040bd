"""`make bench`: the gateway against the service it fronts, and event latency between services.

1. Throughput of `GET /api/v1/suppliers/{id}` on the real suppliers service (SQLite), sent
   straight to the service and through the gateway, 32 connections; target gateway >= 60%.
   The same against an upstream that does no database work, which isolates the gateway's cost.
2. Latency from a supplier's commit to its row in the catalogue's projection at a steady
   100 events/s; target p99 <= 100 ms.
3. Catalogue search with 50,000 published offerings: a filtered full-text query with facets, p95
   at the service <= 25 ms and through the gateway <= 50 ms, on SQLite and on PostgreSQL (alone:
   `python -m bench.search`).
   Hybrid search (words and meaning) at 50,000 offerings with facets, every query embedded, target p95
   <= 50 ms at the service (alone: `python -m bench.search_hybrid`); its relevance on the labelled buyer
   queries, hit@3, MRR and nDCG@10 for keyword and hybrid ranking, target hybrid hit@3 >= 0.90 (alone:
   `python -m bench.search_relevance`); query vectors scored in numpy against sqlite-vec (alone:
   `python -m bench.vector_store`).
4. Sentence embeddings (all-MiniLM-L6-v2 in numpy): load time, one query's latency, batch throughput
   and the environment's size (alone: `python -m bench.embedding`).
5. The web pages: each page type's weight (HTML + CSS + JS) < 100 KB, and the rendered search results
   page at 50,000 offerings through the gateway at p95 <= 100 ms (alone: `python -m bench.pages`).
6. Partner deliveries: ten subscriptions to receivers on loopback, events at a steady 200/s for 20 s
   (and lower rates, for the highest fan-out with p99 <= 1 s): commit -> partner received p50 and p99,
   target p99 <= 150 ms (alone: `python -m bench.partners_delivery [--postgres]`).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import tempfile
from pathlib import Path

import httpx

# Children inherit it: the development gateway signs with its key in var/identity, the services read its JWKS.
os.environ.setdefault("ENVIRONMENT", "development")

from bench import embedding, event_latency, pages, partners_delivery  # noqa: E402
from bench import gateway_throughput as throughput  # noqa: E402
from bench import search, search_hybrid, search_relevance, vector_store  # noqa: E402
from bench.processes import registered_supplier, running_services, stop  # noqa: E402
from servicekit.broker import free_port  # noqa: E402
from servicekit.identity import IDENTITY_HEADER  # noqa: E402


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()}"


def gateway_against_service(args: argparse.Namespace, work: Path) -> tuple[float, float]:
    """Requests per second straight to the suppliers service and through the gateway."""
    with running_services(["suppliers"], work) as (urls, _broker):
        path = registered_supplier(urls["suppliers"], "Bench")
        gateway_port = free_port()
        gateway = throughput.start_gateway(int(urls["suppliers"].rsplit(":", 1)[1]), gateway_port)
        try:
            throughput.wait_for_port(gateway_port)
            identity = throughput.direct_header("suppliers")
            direct = throughput.measure(f"{urls['suppliers']}{path}", {IDENTITY_HEADER: identity}, args)
            token = throughput.fetch_token(gateway_port)
            through = throughput.measure(f"http://127.0.0.1:{gateway_port}{path}",
                                         {"Authorization": f"Bearer {token}"}, args)
        finally:
            stop([gateway])
        return direct, through


def gateway_against_minimal_upstream(args: argparse.Namespace) -> tuple[float, float]:
    """The same comparison against an upstream that does no database work: the gateway's own cost."""
    upstream_port, gateway_port = free_port(), free_port()
    processes = [throughput.start_upstream(throughput.BUILTIN_UPSTREAM, upstream_port),
                 throughput.start_gateway(upstream_port, gateway_port)]
    try:
        throughput.wait_for_port(upstream_port)
        throughput.wait_for_port(gateway_port)
        identity = throughput.direct_header("suppliers")
        direct = throughput.measure(f"http://127.0.0.1:{upstream_port}{throughput.BENCH_PATH}",
                                    {IDENTITY_HEADER: identity}, args)
        token = throughput.fetch_token(gateway_port)
        through = throughput.measure(f"http://127.0.0.1:{gateway_port}{throughput.BENCH_PATH}",
                                     {"Authorization": f"Bearer {token}"}, args)
    finally:
        stop(list(reversed(processes)))
    return direct, through


def report_ratio(title: str, direct: float, through: float) -> None:
    verdict = "meets" if through / direct >= 0.6 else "MISSES"
    print(title)
    print(f"  direct:              {direct:8.0f} req/s")
    print(f"  through the gateway: {through:8.0f} req/s")
    print(f"  ratio: {through / direct:.1%} ({verdict} the 60% target)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per throughput run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--loadgen", choices=["auto", "wrk", "aiohttp"], default="auto")
    parser.add_argument("--rate", type=float, default=100.0, help="events per second for the latency run")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the latency run")
    parser.add_argument("--search-offerings", type=int, default=50_000, help="offerings for the search run")
    parser.add_argument("--search-requests", type=int, default=300, help="measured search requests per target")
    args = parser.parse_args()
    generator = "wrk" if throughput.use_wrk(args) else "aiohttp load generator in its own process"
    print(f"machine: {machine()}")
    print(f"git: {subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()}")
    load = f"{args.connections} connections, {args.duration:g} s each, {generator}"
    with tempfile.TemporaryDirectory() as work:
        report_ratio(f"GET /api/v1/suppliers/{{id}} on the suppliers service (SQLite), {load}:",
                     *gateway_against_service(args, Path(work)))
    report_ratio(f"GET of a small JSON document from an upstream doing no database work, {load}:",
                 *gateway_against_minimal_upstream(args))
    result = event_latency.run(args.rate, args.seconds)
    verdict = "meets" if result["p99_ms"] <= 100 else "MISSES"
    print(f"event latency, commit -> applied in the catalogue projection, {result['rate']:.0f} events/s for "
          f"{args.seconds:g} s ({result['applied']}/{result['events']} applied):")
    print(f"  p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, max {result['max_ms']:.1f} ms "
          f"({verdict} the p99 <= 100 ms target)")
    search.run(args.search_offerings, args.search_requests)
    search_relevance.run()
    search_hybrid.run(args.search_offerings)
    vector_store.run()
    embedding.run()
    pages.run(args.search_offerings, args.search_requests)
    partners_delivery.report(partners_delivery.run([20.0, 200.0], 20.0), 20.0)


if __name__ == "__main__":
    main()
