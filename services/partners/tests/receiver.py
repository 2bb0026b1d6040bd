"""A partner's webhook receiver on a loopback port: records every request and answers as the test says."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from standardwebhooks import Webhook

from servicekit.testing import RunningServer


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    answered: int
    at: float = field(default_factory=time.monotonic)

    @property
    def event(self) -> dict:
        return orjson.loads(self.body)

    def verified_by(self, secret: str) -> dict:
        """The body once the Standard Webhooks library accepts its signature by `secret` (raises otherwise)."""
        return Webhook(secret).verify(self.body, self.headers)


@dataclass
class Receiver:
    """`answers` are the statuses of the next requests, in order (200 once they run out)."""

    answers: deque = field(default_factory=deque)
    headers_with: dict[int, dict[str, str]] = field(default_factory=dict)
    requests: list[Received] = field(default_factory=list)
    server: RunningServer | None = None
    delay_seconds: float = 0.0  # how long each answer takes
    # When set, `answers` apply only to requests about this subject (the shared broker may bring others).
    answers_for: str | None = None

    @property
    def url(self) -> str:
        return f"{self.server.url}/hook"

    async def _hook(self, request: Request) -> Response:
        received = Received(dict(request.headers), await request.body(), 200)
        if self.answers and self.answers_for in (None, received.event.get("subject")):
            received.answered = self.answers.popleft()
        # Recorded on arrival: a request whose sender gives up during the delay still counts as received.
        self.requests.append(received)
        status = received.answered
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        return Response(f"answered {status}", status_code=status, headers=self.headers_with.get(status))

    async def start(self) -> Receiver:
        self.server = await RunningServer(Starlette(routes=[Route("/hook", self._hook, methods=["POST"])])).start()
        return self

    async def stop(self) -> None:
        await self.server.stop()

    def delivered(self, *, subject: str | None = None, type_suffix: str = "") -> list[Received]:
        """The requests answered 2xx, in arrival order."""
        return [r for r in self.requests if 200 <= r.answered < 300 and r.event["type"].endswith(type_suffix)
                and (subject is None or r.event["subject"] == subject)]
