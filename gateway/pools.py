"""The gateway's upstream HTTP sessions: one bounded connection pool per service."""

from __future__ import annotations

import aiohttp

from gateway.settings import GatewaySettings
from servicekit.problems import Problem

# The gateway's own calls (OpenAPI documents, readiness probes, supplier credential checks).
CONTROL = "gateway"


def _session(limit: int, keepalive_seconds: float) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=limit, limit_per_host=limit, keepalive_timeout=keepalive_seconds)
    # No cookie jar: one caller's cookies must never be replayed for another.
    return aiohttp.ClientSession(
        connector=connector, auto_decompress=False, cookie_jar=aiohttp.DummyCookieJar(),
        skip_auto_headers=("Accept", "Accept-Encoding", "User-Agent"), timeout=aiohttp.ClientTimeout(total=None))


class UpstreamPools:
    """A session per service, so requests a slow service holds cannot take another's connections."""

    def __init__(self, settings: GatewaySettings, services: list[str]):
        self.limit = settings.upstream_connection_limit
        self.keepalive_seconds = settings.upstream_keepalive_seconds
        self.services = [*services, CONTROL]
        self.sessions: dict[str, aiohttp.ClientSession] = {}

    def open(self) -> None:
        self.sessions = {name: _session(self.limit, self.keepalive_seconds) for name in self.services}

    async def close(self) -> None:
        sessions, self.sessions = self.sessions, {}
        for session in sessions.values():
            await session.close()

    def control(self) -> aiohttp.ClientSession:
        """The session for the gateway's own upstream calls, apart from the forwarded traffic."""
        session = self.sessions.get(CONTROL)
        if session is None:
            raise Problem(503, "the gateway is starting or stopping", kind="not-ready")
        return session
