"""The operations port: metrics and readiness, served apart from the public API."""

from __future__ import annotations

import asyncio
import contextlib
import socket

import uvicorn
from starlette.applications import Starlette

from gateway.server import UVICORN_OPTIONS


class OperationsServer:
    """A small uvicorn server for one Starlette app, run inside the gateway's lifespan."""

    def __init__(self, app: Starlette, host: str, port: int):
        self.app, self.host, self.port = app, host, port
        self.url: str | None = None
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task | None = None
        self._socket: socket.socket | None = None

    async def start(self) -> None:
        """Bind the port (failing at once when it is taken) and serve until stop()."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        self._socket = sock
        host, port = sock.getsockname()[:2]
        self.url = f"http://[{host}]:{port}" if family == socket.AF_INET6 else f"http://{host}:{port}"
        # No log settings: uvicorn would apply them process-wide, over the public server's own.
        config = uvicorn.Config(self.app, log_config=None, lifespan="off", **UVICORN_OPTIONS)
        server = self._server = uvicorn.Server(config)
        # The public server owns the process's signals; this one stops with the gateway's lifespan.
        server.capture_signals = contextlib.nullcontext
        self._task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
        if self._socket is not None:
            self._socket.close()
        self._server = self._task = self._socket = None
