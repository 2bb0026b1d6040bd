"""A small external AI Hub registry for tests: stores entries by id, checks every request's signature,
and fails (503) or loses entries when a test asks it to."""

from __future__ import annotations

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.settings import DEV_SYNC_SECRET
from hub.sync.signature import ReplayGuard, verify

PAGE_SIZE = 25


class FakeHub:
    def __init__(self, secret: str = DEV_SYNC_SECRET):
        self.secret = secret
        self.entries: dict[str, dict] = {}
        self.down = False
        self.refused_signatures = 0
        self.refused_replays = 0
        self.replay_guard = ReplayGuard()
        self.failed_requests = 0
        self.requests: list[tuple[str, str]] = []
        self.received: list[tuple[str, str, dict, bytes]] = []  # every request as it came, to replay
        self.app = Starlette(routes=[
            Route("/entries", self.list_entries, methods=["GET"]),
            Route("/entries/{entry_id}", self.one_entry, methods=["PUT", "DELETE", "GET"]),
        ])

    def lose(self, *entry_ids: str) -> None:
        for entry_id in entry_ids:
            self.entries.pop(entry_id, None)

    def holdings(self) -> dict[str, int]:
        """What it holds: entry id -> version."""
        return {entry_id: document["version"] for entry_id, document in self.entries.items()}

    async def _refusal(self, request: Request, body: bytes) -> Response | None:
        self.received.append((request.method, str(request.url), dict(request.headers), body))
        if self.down:
            self.failed_requests += 1
            return JSONResponse({"detail": "down for maintenance"}, status_code=503)
        if not verify(self.secret, request.method, request.headers.get("host", ""), _target(request), body,
                      request.headers):
            self.refused_signatures += 1
            return JSONResponse({"detail": "bad signature"}, status_code=401)
        if not self.replay_guard.first_use(request.headers):
            self.refused_replays += 1
            return JSONResponse({"detail": "replayed request"}, status_code=401)
        return None

    async def list_entries(self, request: Request) -> Response:
        if refusal := await self._refusal(request, b""):
            return refusal
        ids = sorted(self.entries)
        start = int(request.query_params.get("cursor", "0"))
        page = ids[start:start + PAGE_SIZE]
        more = start + PAGE_SIZE < len(ids)
        return JSONResponse({"data": [{"id": i, "version": self.entries[i]["version"],
                                       "digest": self.entries[i]["digest"]} for i in page],
                             "next_cursor": str(start + PAGE_SIZE) if more else None})

    async def one_entry(self, request: Request) -> Response:
        body = await request.body()
        if refusal := await self._refusal(request, body):
            return refusal
        entry_id = request.path_params["entry_id"]
        self.requests.append((request.method, entry_id))
        if request.method == "GET":
            found = self.entries.get(entry_id)
            return JSONResponse(found) if found else Response(status_code=404)
        if request.method == "DELETE":
            return Response(status_code=204 if self.entries.pop(entry_id, None) else 404)
        document = orjson.loads(body)
        assert document["id"] == entry_id
        self.entries[entry_id] = document
        return Response(status_code=204)


def _target(request: Request) -> str:
    """The path and query string exactly as they arrived."""
    path = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string") or b""
    return (path + (b"?" + query if query else b"")).decode()
