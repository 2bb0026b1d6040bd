"""`make bench`: request and event paths against the framework's own speed, then the other benchmarks.

Parts (all by default; `make bench BENCH=requests,events` or `python -m bench.run --only requests` runs some):

- requests: one-row `GET /api/v1/suppliers/{id}` straight to the suppliers service on SQLite and on
  PostgreSQL, the same through the gateway, and supplier registration (`POST`) at 32 connections,
  each as a ratio to a FastAPI upstream that does no database work, measured in the same run.
  Targets: GET direct >= 40% of that upstream; registration >= 500 req/s on SQLite.
- proxies: that upstream straight, through the gateway (authentication and rate limiting on), a bare
  aiohttp proxy and nginx (Debian's package). Target: the gateway >= 85% of direct.
- events: commit -> applied in the catalogue's projection at steady rates stepped up (100, 250, 500,
  1000, 2000 events/s), p50/p99 per step. Targets: 1000/s at p99 <= 100 ms, 250/s at p99 <= 25 ms.
- search: catalogue search with 50,000 published offerings, p95 at the service <= 25 ms and through
  the gateway <= 50 ms, SQLite and PostgreSQL (alone: `python -m bench.search`); hybrid search (words
  and meaning) at 50,000 offerings with facets, every query embedded, target p95 <= 50 ms at the service
  (alone: `python -m bench.search_hybrid`); relevance on the labelled buyer queries, hit@3, MRR and
  nDCG@10 for keyword and hybrid ranking, target hybrid hit@3 >= 0.90 (`python -m bench.search_relevance`);
  query vectors scored in numpy against sqlite-vec (`python -m bench.vector_store`).
- embedding: sentence embeddings (all-MiniLM-L6-v2 in numpy) (alone: `python -m bench.embedding`).
- pages: page weight < 100 KB each, the rendered search page at p95 <= 100 ms (`python -m bench.pages`).
- partners: deliveries to ten receivers at 20 and 200 events/s (`python -m bench.partners_delivery`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

# Children inherit it: the development gateway signs with its key in var/identity, the services read its JWKS.
os.environ.setdefault("ENVIRONMENT", "development")

from bench import embedding, event_latency, pages, partners_delivery, proxies  # noqa: E402
from bench import gateway_throughput as throughput  # noqa: E402
from bench import search, search_hybrid, search_relevance, vector_store  # noqa: E402
from bench.processes import registered_supplier, running_services, stop  # noqa: E402
from servicekit.broker import free_port  # noqa: E402
from servicekit.identity import ANONYMOUS_IDENTITY, IDENTITY_HEADER, development_signer, sign_identity  # noqa: E402

PARTS = ("requests", "proxies", "events", "search", "embedding", "pages", "partners")
REGISTRATION_SCRIPT = """\
counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  counter = counter + 1
  local first = string.format("%s%08d", "{prefix}", counter)
  local total = 0
  for i = 1, 12 do
    local digit = tonumber(first:sub(i, i))
    if i % 2 == 0 then total = total + 3 * digit else total = total + digit end
  end
  local nzbn = first .. tostring((10 - total % 10) % 10)
  return wrk.format(nil, nil, nil, '{{"legal_name":"Bench ' .. nzbn .. ' Ltd","nzbn":"' .. nzbn ..
    '","size":"small","contacts":[{{"name":"Bench","email":"bench@example.nz"}}]}}')
end
"""


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()}"


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


@contextmanager
def minimal_upstream(with_pid: bool = False):
    """The FastAPI upstream that does no database work; yields its port (and process id)."""
    port = free_port()
    process = throughput.start_upstream(throughput.BUILTIN_UPSTREAM, port)
    try:
        throughput.wait_for_port(port)
        yield (port, process.pid) if with_pid else port
    finally:
        stop([process])


@contextmanager
def gateway_in_front_of(upstream_port: int):
    """The gateway routing every service to the upstream; yields its base URL and a bearer header."""
    port = free_port()
    process = throughput.start_gateway(upstream_port, port)
    try:
        throughput.wait_for_port(port)
        yield f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {throughput.fetch_token(port)}"}
    finally:
        stop([process])


def signed(audience: str = "suppliers") -> dict[str, str]:
    return {IDENTITY_HEADER: throughput.direct_header(audience)}


def registrations_per_second(url: str, args: argparse.Namespace, work: Path) -> float:
    """wrk posting registrations, each with an NZBN of its own (a new prefix per wrk run)."""
    headers = {IDENTITY_HEADER: sign_identity(ANONYMOUS_IDENTITY, development_signer(), audience="suppliers")}
    rates = []
    for prefix in ("9001", "9002"):  # warm-up, then the measurement
        script = work / f"register-{prefix}.lua"
        script.write_text(REGISTRATION_SCRIPT.format(prefix=prefix))
        rates.append(throughput.run_wrk(f"{url}/api/v1/suppliers", headers, 2 if prefix == "9001" else args.duration,
                                        args.connections, args.threads, script=script))
    return rates[-1]


def supplier_requests(args: argparse.Namespace, work: Path, backend: str) -> dict[str, float]:
    """GET straight and through the gateway, and (SQLite) registrations, on one backend."""
    database_urls = None
    if backend == "postgres":
        from servicekit.testing import create_postgres_database
        database_urls = {"suppliers": asyncio.run(create_postgres_database("bench_suppliers"))}
    (work / backend).mkdir(exist_ok=True)
    try:
        with running_services(["suppliers"], work / backend, database_urls=database_urls) as (urls, _broker):
            path = registered_supplier(urls["suppliers"], "Bench")
            service_port = int(urls["suppliers"].rsplit(":", 1)[1])
            figures = {"direct": throughput.measure(f"{urls['suppliers']}{path}", signed(), args)}
            with gateway_in_front_of(service_port) as (gateway, bearer):
                figures["gateway"] = throughput.measure(f"{gateway}{path}", bearer, args)
            if backend == "sqlite":
                figures["register"] = registrations_per_second(urls["suppliers"], args, work)
            return figures
    finally:
        if database_urls:
            from servicekit.testing import drop_postgres_database
            asyncio.run(drop_postgres_database(database_urls["suppliers"]))


def requests_part(args: argparse.Namespace, work: Path) -> None:
    with minimal_upstream() as upstream_port:
        upstream = throughput.measure(f"http://127.0.0.1:{upstream_port}{throughput.BENCH_PATH}", signed(), args)
    print(f"requests, {args.connections} connections, {args.duration:g} s each; load average {load_average()}")
    print(f"  FastAPI upstream with no database work (the reference): {upstream:8.0f} req/s")
    backends = ["sqlite"] + (["postgres"] if search.postgres_available() else [])
    for backend in backends:
        figures = supplier_requests(args, work, backend)
        direct, through = figures["direct"], figures["gateway"]
        verdict = "meets" if direct / upstream >= 0.4 else "MISSES"
        print(f"  GET one supplier, {backend}, straight: {direct:8.0f} req/s = {direct / upstream:6.1%} of the "
              f"reference ({verdict} the 40% target)")
        print(f"  GET one supplier, {backend}, gateway:  {through:8.0f} req/s = {through / upstream:6.1%} of the "
              f"reference, {through / direct:6.1%} of straight")
        if "register" in figures:
            register = figures["register"]
            verdict = "meets" if register >= 500 else "MISSES"
            print(f"  registration, {backend}, straight: {register:8.0f} req/s = {register / upstream:6.1%} of the "
                  f"reference ({verdict} the 500 req/s target)")
    if "postgres" not in backends:
        print("  PostgreSQL: skipped, nothing answers on 127.0.0.1:5432")
    print(f"  load average at the end {load_average()}")


def proxies_part(args: argparse.Namespace, work: Path) -> None:
    url = f"{{}}{throughput.BENCH_PATH}"
    with minimal_upstream() as upstream_port:
        figures = {"direct": throughput.measure(url.format(f"http://127.0.0.1:{upstream_port}"), signed(), args)}
        with gateway_in_front_of(upstream_port) as (gateway, bearer):
            figures["gateway (bearer token, rate limit, signed identity, span)"] = throughput.measure(
                url.format(gateway), bearer, args)
        starters = {"bare aiohttp proxy": lambda port: proxies.start_aiohttp_proxy(upstream_port, port)}
        if proxies.nginx():
            starters["nginx, one worker"] = lambda port: proxies.start_nginx(upstream_port, port, work)
        for name, start in starters.items():
            port = free_port()
            process = start(port)
            try:
                throughput.wait_for_port(port)
                figures[name] = throughput.measure(url.format(f"http://127.0.0.1:{port}"), signed(), args)
            finally:
                stop([process])
    print(f"proxies in front of the no-database upstream, {args.connections} connections; "
          f"load average {load_average()}")
    for name, rate in figures.items():
        print(f"  {name:60s} {rate:8.0f} req/s {rate / figures['direct']:7.1%}")
    ratio = figures["gateway (bearer token, rate limit, signed identity, span)"] / figures["direct"]
    print(f"  gateway at {ratio:.1%} of direct ({'meets' if ratio >= 0.85 else 'MISSES'} the 85% target)")
    if not proxies.nginx():
        print("  nginx: not installed (apt-get install -y nginx-light)")


def events_part(args: argparse.Namespace) -> None:
    print(f"load average {load_average()}")
    event_latency.report_steps(event_latency.run_steps(tuple(args.rates), args.seconds), args.seconds)
    print(f"  load average at the end {load_average()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=os.environ.get("BENCH", ""),
                        help=f"comma-separated parts out of {', '.join(PARTS)} (default: all; or BENCH=...)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per throughput run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--loadgen", choices=["auto", "wrk", "aiohttp"], default="auto")
    parser.add_argument("--rates", type=lambda v: [float(r) for r in v.split(",")], default=list(event_latency.STEPS),
                        help="event rates to step through, comma-separated")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per event rate")
    parser.add_argument("--search-offerings", type=int, default=50_000, help="offerings for the search run")
    parser.add_argument("--search-requests", type=int, default=300, help="measured search requests per target")
    args = parser.parse_args()
    parts = [p.strip() for p in args.only.split(",") if p.strip()] or list(PARTS)
    if unknown := set(parts) - set(PARTS):
        parser.error(f"unknown parts {sorted(unknown)}; the parts are {', '.join(PARTS)}")
    generator = "wrk" if throughput.use_wrk(args) else "aiohttp load generator in its own process"
    print(f"machine: {machine()}; load generator {generator}; load average {load_average()}")
    print(f"git: {subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()}")
    with tempfile.TemporaryDirectory() as work:
        if "requests" in parts:
            requests_part(args, Path(work))
        if "proxies" in parts:
            proxies_part(args, Path(work))
    if "events" in parts:
        events_part(args)
    if "search" in parts:
        search.run(args.search_offerings, args.search_requests)
        search_relevance.run()
        search_hybrid.run(args.search_offerings)
        vector_store.run()
    if "embedding" in parts:
        embedding.run()
    if "pages" in parts:
        pages.run(args.search_offerings, args.search_requests)
    if "partners" in parts:
        partners_delivery.report(partners_delivery.run([20.0, 200.0], 20.0), 20.0)


if __name__ == "__main__":
    main()
