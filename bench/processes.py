"""Starting the broker and services as separate processes for the benchmarks."""

from __future__ import annotations

import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from servicekit.broker import EmbeddedBroker, free_port
from servicekit.identity import ANONYMOUS_IDENTITY, IDENTITY_HEADER, development_signer, sign_identity
from testsupport.processes import ROOT, start_uvicorn  # noqa: F401  (the benchmarks take them from here)


def wait_ready(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} not ready within {timeout}s")


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def running_services(names: list[str], work_dir: Path, *, database_urls: dict[str, str] | None = None):
    """Broker plus the named services, each on a free port; yields {name: base_url} and the broker."""
    broker = EmbeddedBroker(log_file=work_dir / "broker.log")
    broker.start()
    processes, urls = [], {}
    try:
        for name in names:
            port = free_port()
            env = {"KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
                   f"{name.upper()}_DATABASE_URL": (database_urls or {}).get(
                       name, f"sqlite+aiosqlite:///{work_dir / (name + '.db')}"),
                   "LOG_LEVEL": "WARNING"}
            processes.append(start_uvicorn(f"{name}.main:app", port, env, work_dir / f"{name}.log"))
            urls[name] = f"http://127.0.0.1:{port}"
        for url in urls.values():
            wait_ready(f"{url}/readyz")
        yield urls, broker
    finally:
        stop(processes)
        broker.stop()


def registered_supplier(suppliers_url: str, name: str) -> str:
    """Register one supplier straight at the suppliers service; returns the path that reads it."""
    registered = httpx.post(f"{suppliers_url}/api/v1/suppliers", headers={
        IDENTITY_HEADER: sign_identity(ANONYMOUS_IDENTITY, development_signer(), audience="suppliers")}, json={
        "legal_name": f"{name} Supplier Ltd", "nzbn": "9429039501974", "size": "small",
        "contacts": [{"name": name, "email": f"{name.lower()}@example.nz"}]})
    registered.raise_for_status()
    return f"/api/v1/suppliers/{registered.json()['id']}"
