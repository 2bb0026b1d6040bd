"""Throughput of the gateway relative to calling a service directly.

Starts an upstream app and the gateway with uvicorn in subprocesses, then measures requests per
second for a small JSON GET: straight to the upstream (with a pre-signed identity header) and
through the gateway (with a bearer token from its token endpoint).

    .venv/bin/python bench/gateway_throughput.py [--upstream module:attr] [--duration 10] [--connections 32]

The load generator is `wrk` when it is on PATH, otherwise a small aiohttp client in its own process.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from fastapi import FastAPI, Header, HTTPException

from servicekit.identity import (DEV_JWKS, IDENTITY_HEADER, Identity, IdentityVerifier, InvalidIdentity, KeySet,
                                 development_signer, sign_identity)

REPO = Path(__file__).resolve().parent.parent

BUILTIN_UPSTREAM = "builtin"
BENCH_PATH = "/api/v1/suppliers/bench"

upstream_app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
# The development gateway's public keys (it signs for the suppliers service, whose route this is).
_verifier = IdentityVerifier(KeySet(DEV_JWKS), audience="suppliers")


@upstream_app.get(BENCH_PATH)
async def bench_supplier(identity: str | None = Header(None, alias=IDENTITY_HEADER)) -> dict:
    """A small JSON document, only for callers with a valid identity header."""
    if identity is None:
        raise HTTPException(401, "no identity")
    try:
        who = await _verifier.verify_fresh(identity)
    except InvalidIdentity as exc:
        raise HTTPException(401, str(exc)) from exc
    return {"id": "sup-0001", "name": "Kiwi AI Ltd", "status": "active", "caller": who.subject,
            "categories": ["language-models", "computer-vision"]}


def direct_header(service: str) -> str:
    """The identity header the development gateway would send `service` for a buyer (a minute's worth)."""
    return sign_identity(Identity("buyer", frozenset({"buyer"})), development_signer(), audience=service)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


def start_upstream(spec: str, port: int) -> subprocess.Popen:
    env = dict(os.environ)
    return subprocess.Popen([sys.executable, __file__, "serve-upstream", spec, str(port)], env=env, cwd=REPO)


def start_gateway(upstream_port: int, port: int) -> subprocess.Popen:
    upstream = f"http://127.0.0.1:{upstream_port}"
    env = os.environ | {f"GATEWAY_{name.upper()}_URL": upstream
                        for name in ("suppliers", "catalogue", "accreditation", "training", "hub")}
    # Limiter still runs on every request, it just never says no.
    env |= {"GATEWAY_ENVIRONMENT": "development",
            "GATEWAY_RATE_LIMIT_PER_SECOND": "1e9", "GATEWAY_RATE_LIMIT_BURST": "1000000000"}
    # Started as every deployment starts it: no proxy headers believed, the deadline on slow headers on.
    command = [sys.executable, "-m", "uvicorn", "gateway.main:app", "--host", "127.0.0.1", "--port", str(port),
               "--no-access-log", "--log-level", "warning", "--no-proxy-headers",
               "--http", "gateway.server:GatewayHttpProtocol"]
    return subprocess.Popen(command, env=env, cwd=REPO)


def serve_upstream(spec: str, port: int) -> None:
    import uvicorn
    from uvicorn.importer import import_from_string

    app = upstream_app if spec == BUILTIN_UPSTREAM else import_from_string(spec)
    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")


def fetch_token(gateway_port: int) -> str:
    form = urllib.parse.urlencode({"grant_type": "client_credentials"}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{gateway_port}/api/v1/auth/token", data=form, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Authorization": "Basic " + base64.b64encode(b"buyer:buyer-dev-secret").decode()})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["access_token"]


def check(url: str, headers: dict[str, str]) -> None:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")


def run_wrk(url: str, headers: dict[str, str], duration: float, connections: int, threads: int,
            script: Path | None = None) -> float:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{int(duration)}s"]
    if script is not None:
        command += ["-s", str(script)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output:
        raise RuntimeError(f"wrk saw errors:\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def run_aiohttp_load(url: str, headers: dict[str, str], duration: float, connections: int) -> float:
    payload = json.dumps({"url": url, "headers": headers, "duration": duration, "connections": connections})
    output = subprocess.run([sys.executable, __file__, "load", payload], capture_output=True, text=True, check=True)
    return float(output.stdout.strip())


async def aiohttp_load(url: str, headers: dict[str, str], duration: float, connections: int) -> float:
    """Requests per second from `connections` keep-alive connections hammering `url`."""
    import aiohttp

    count = errors = 0
    deadline = time.monotonic() + duration

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal count, errors
        while time.monotonic() < deadline:
            async with session.get(url, headers=headers) as response:
                await response.read()
                count += 1
                errors += response.status != 200

    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.monotonic()
        await asyncio.gather(*(worker(session) for _ in range(connections)))
        elapsed = time.monotonic() - started
    if errors:
        raise RuntimeError(f"{errors} non-200 answers")
    return count / elapsed


def use_wrk(args: argparse.Namespace) -> bool:
    if args.loadgen == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not on PATH (apt-get install -y wrk), or pass --loadgen aiohttp")
    return args.loadgen == "wrk" or (args.loadgen == "auto" and shutil.which("wrk") is not None)


def measure(url: str, headers: dict[str, str], args: argparse.Namespace) -> float:
    check(url, headers)
    if use_wrk(args):
        run_wrk(url, headers, 2, args.connections, args.threads)
        return run_wrk(url, headers, args.duration, args.connections, args.threads)
    run_aiohttp_load(url, headers, 2, args.connections)
    return run_aiohttp_load(url, headers, args.duration, args.connections)


def benchmark(args: argparse.Namespace) -> None:
    upstream_port, gateway_port = free_port(), free_port()
    processes = [start_upstream(args.upstream, upstream_port), start_gateway(upstream_port, gateway_port)]
    try:
        wait_for_port(upstream_port)
        wait_for_port(gateway_port)
        if use_wrk(args):
            generator = "wrk"
        elif args.loadgen == "auto":
            generator = "aiohttp (wrk is not on PATH; apt-get install -y wrk for numbers less bound by the client)"
        else:
            generator = "aiohttp"
        print(f"load generator: {generator}; {args.connections} connections, {args.duration:g} s per run")
        identity = direct_header("suppliers")
        direct = measure(f"http://127.0.0.1:{upstream_port}{args.path}", {IDENTITY_HEADER: identity}, args)
        print(f"direct:  {direct:10.0f} req/s")
        token = fetch_token(gateway_port)
        gateway = measure(f"http://127.0.0.1:{gateway_port}{args.path}", {"Authorization": f"Bearer {token}"}, args)
        print(f"gateway: {gateway:10.0f} req/s")
        print(f"ratio:   {gateway / direct:10.1%}")
    finally:
        # The gateway first, so that it does not log the upstream going away.
        for process in reversed(processes):
            process.terminate()
            process.wait(10)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "serve-upstream":
        serve_upstream(sys.argv[2], int(sys.argv[3]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "load":
        options = json.loads(sys.argv[2])
        print(asyncio.run(aiohttp_load(options["url"], options["headers"], options["duration"],
                                       options["connections"])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", default=BUILTIN_UPSTREAM,
                        help="upstream ASGI app as module:attr (default: a small app defined here)")
    parser.add_argument("--path", default=BENCH_PATH, help="path to GET (must be routed by the gateway)")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--loadgen", choices=["auto", "wrk", "aiohttp"], default="auto",
                        help="load generator (auto: wrk when on PATH, else aiohttp)")
    # One wrk thread easily outpaces these servers and leaves more of the two cores to them.
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    benchmark(parser.parse_args())


if __name__ == "__main__":
    main()
