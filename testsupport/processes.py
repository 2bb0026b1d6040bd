"""Services as separate uvicorn processes, for the benchmarks and the fault run (the tests serve them in
their own event loop: servicekit.testing.RunningServer)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start_uvicorn(target: str, port: int, env: dict[str, str], log: Path, workers: int = 1) -> subprocess.Popen:
    """`uvicorn target` on a loopback port, with the environment and these variables, logging to a file."""
    command = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port),
               "--log-level", "warning", "--no-access-log", "--workers", str(workers)]
    return subprocess.Popen(command, env={**os.environ, **env}, stdout=open(log, "ab"), stderr=subprocess.STDOUT,
                            cwd=ROOT)
