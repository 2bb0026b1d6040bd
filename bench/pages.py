"""The web pages: the weight of each page type, and the search results page at 50,000 offerings.

1. Page weight: the marketplace as `make run` starts it (every service, the pages, the gateway, the demo
   data), each page type fetched through the gateway as a signed-in buyer or the public would see it; HTML
   plus its stylesheet (the pages have no script), uncompressed; target < 100 KB each.
2. Search page latency: the catalogue filled with 50,000 published offerings (bench.search's data), the
   pages and the gateway in front; `GET /offerings` with words, filters and facets, rendered, one request
   at a time; target p95 <= 100 ms. The API call alone is timed beside it.

    python -m bench.pages [--offerings N] [--requests N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

os.environ.setdefault("ENVIRONMENT", "development")

from bench import gateway_throughput as gateway  # noqa: E402
from bench.processes import ROOT, running_services, start_uvicorn, stop, wait_ready  # noqa: E402
from bench.search import QUERIES, fill, percentile  # noqa: E402
from deploy.local.run import READY_BANNER, SERVICES  # noqa: E402
from servicekit.broker import free_port  # noqa: E402

WEIGHT_LIMIT_BYTES = 100 * 1024
LATENCY_TARGET_MS = 100.0
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
ASSET = re.compile(r'(?:href|src)="(/assets/[^"]+)"')


# --- page weight ----------------------------------------------------------------------------------

def _started_marketplace(work: Path) -> tuple[subprocess.Popen, str]:
    """`python -m deploy.local.run` on free ports, seeded; returns it and the gateway's address."""
    ports = {name: free_port() for name in [*SERVICES, "web", "gateway", "broker"]}
    env = {k: v for k, v in os.environ.items() if k != "KAFKA_BOOTSTRAP_SERVERS" and not k.endswith("_DATABASE_URL")}
    env |= {f"{name.upper()}_PORT": str(ports[name]) for name in [*SERVICES, "web", "gateway"]}
    env |= {"MARKETPLACE_BROKER_PORT": str(ports["broker"]), "MARKETPLACE_VAR_DIR": str(work),
            "MARKETPLACE_READY_TIMEOUT": "180"}
    process = subprocess.Popen([sys.executable, "-m", "deploy.local.run"], cwd=ROOT, env=env, text=True,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            if process.poll() is not None:
                break
            continue
        if line.startswith(READY_BANNER):
            return process, f"http://127.0.0.1:{ports['gateway']}"
    process.kill()
    raise RuntimeError("the marketplace did not start")


def _sign_in_as_buyer(http: httpx.Client) -> None:
    token = CSRF.search(http.get("/sign-in").text).group(1)
    http.post("/sign-in", data={"csrf_token": token, "client_id": "buyer", "next": "/"})


def _page_types(http: httpx.Client) -> dict[str, str]:
    """One path per page type, found through the API as a visitor would through the links."""
    api = lambda path, **params: http.get(path, params=params).json()  # noqa: E731
    offerings = api("/api/v1/offerings", sort="name", limit=5)["data"]
    course = next(c for c in api("/api/v1/courses", limit=50)["data"] if c["sessions"])
    entry = api("/api/v1/registry/entries", limit=1)["data"][0]
    use_case = api("/api/v1/registry/use-cases", limit=1)["data"][0]
    token = CSRF.search(http.get(f"/offerings/{offerings[0]['id']}").text).group(1)
    shortlist = http.post("/shortlists/add", data={"csrf_token": token, "offering_id": offerings[0]["id"],
                                                   "new_name": "Bench", "notes": "weighed"}).url.path
    return {
        "home": "/", "sign in": "/sign-in", "search results": "/offerings",
        "search, filtered": "/offerings?" + urlencode({"data_residency": "new_zealand", "sort": "name"}),
        "search, no results": "/offerings?q=zzqxnotaword", "offering": f"/offerings/{offerings[0]['id']}",
        "compare (5)": "/offerings/compare?" + urlencode([("ids", o["id"]) for o in offerings]),
        "shortlists": "/shortlists", "shortlist": shortlist, "courses": "/training", "course": f"/training/{course['id']}",
        "registrations": "/training/registrations", "registry": "/registry", "registry entry": f"/registry/entries/{entry['id']}",
        "use cases": "/registry/use-cases", "use case": f"/registry/use-cases/{use_case['id']}",
        "insights": "/registry/insights", "supplier": f"/suppliers/{offerings[0]['supplier_id']}",
        "not found": "/no/such/page",
    }


def page_weights() -> dict[str, int]:
    """Bytes of each page type: its HTML and every asset it links."""
    with tempfile.TemporaryDirectory() as work:
        process, url = _started_marketplace(Path(work))
        try:
            with httpx.Client(base_url=url, timeout=30, follow_redirects=True) as http:
                _sign_in_as_buyer(http)
                weights = {}
                for name, path in _page_types(http).items():
                    html = http.get(path).content
                    assets = sum(len(http.get(asset).content) for asset in set(ASSET.findall(html.decode())))
                    weights[name] = len(html) + assets
                return weights
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


def report_weights(weights: dict[str, int]) -> None:
    print("web page weight, HTML + CSS + JS uncompressed, the seeded marketplace as `make run` starts it:")
    for name, size in weights.items():
        verdict = "meets" if size < WEIGHT_LIMIT_BYTES else "MISSES"
        print(f"  {name:20} {size / 1024:6.1f} KB ({verdict} the < 100 KB target)")


# --- search page latency --------------------------------------------------------------------------

def search_latency(count: int, requests: int, warmup: int = 30) -> dict[str, list[float]]:
    """Milliseconds per rendered results page and per API call behind it, taking turns request by request."""
    with tempfile.TemporaryDirectory() as work, running_services(["catalogue"], Path(work)) as (urls, _broker):
        asyncio.run(fill(f"sqlite+aiosqlite:///{Path(work) / 'catalogue.db'}", count))
        gateway_port, web_port = free_port(), free_port()
        os.environ["GATEWAY_WEB_URL"] = f"http://127.0.0.1:{web_port}"
        processes = [
            start_uvicorn("web.main:app", web_port, {"WEB_GATEWAY_URL": f"http://127.0.0.1:{gateway_port}",
                                                     "LOG_LEVEL": "WARNING"}, Path(work) / "web.log"),
            gateway.start_gateway(int(urls["catalogue"].rsplit(":", 1)[1]), gateway_port)]
        try:
            gateway.wait_for_port(gateway_port)
            wait_ready(f"http://127.0.0.1:{gateway_port}/healthz")
            gateway.wait_for_port(web_port)
            timed: dict[str, list[float]] = {"page": [], "api": []}
            with httpx.Client(base_url=f"http://127.0.0.1:{gateway_port}", timeout=30) as http:
                for n in range(warmup + requests):
                    params = QUERIES[n % len(QUERIES)]
                    for name, path in (("page", "/offerings"), ("api", "/api/v1/offerings")):
                        began = time.perf_counter()
                        response = http.get(path, params=params)
                        elapsed = (time.perf_counter() - began) * 1000
                        if response.status_code != 200:
                            raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:300]}")
                        if n >= warmup:
                            timed[name].append(elapsed)
            return timed
        finally:
            stop(list(reversed(processes)))


def report_latency(timed: dict[str, list[float]], count: int, requests: int) -> None:
    print(f"web search results page, {count:,} published offerings on SQLite, through the gateway, {requests} "
          f"requests one at a time, {len(QUERIES)} filtered full-text queries with facets, rendered:")
    for name, values in timed.items():
        p95 = percentile(values, 0.95)
        extra = f" ({'meets' if p95 <= LATENCY_TARGET_MS else 'MISSES'} the p95 <= 100 ms target)" if name == "page" else ""
        print(f"  {'page' if name == 'page' else 'API alone':9} p50 {percentile(values, 0.5):5.1f} ms, "
              f"p95 {p95:5.1f} ms, max {max(values):5.1f} ms{extra}")


def run(count: int = 50_000, requests: int = 200) -> None:
    report_weights(page_weights())
    report_latency(search_latency(count, requests), count, requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offerings", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    run(args.offerings, args.requests)


if __name__ == "__main__":
    main()
