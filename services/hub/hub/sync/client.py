"""The external hub's HTTP API as the registry uses it: PUT and DELETE one entry, list what it holds."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import orjson

from hub.sync.signature import sign

# Entry ids are "<type>:<uuid>"; the colon stays as it is in the path.
SAFE_IN_PATH = ":"
MAX_PAGES = 10_000


class HubUnavailable(Exception):
    """The hub could not be reached, or answered with an error worth retrying."""


class HubClient:
    """Signed requests to the hub at `base_url` (its entries live under `<base_url>/entries`)."""

    def __init__(self, base_url: str, secret: str, *, timeout: float = 5.0,
                 transport: httpx.AsyncBaseTransport | None = None):
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self.http = httpx.AsyncClient(timeout=timeout, transport=transport)

    async def close(self) -> None:
        await self.http.aclose()

    async def _send(self, method: str, path: str, *, body: bytes = b"", params: dict | None = None) -> httpx.Response:
        request = self.http.build_request(method, self.base_url + path, content=body, params=params,
                                          headers={"Content-Type": "application/json"} if body else None)
        # What is signed is what goes on the wire: the Host header and the path with its query string.
        request.headers.update(sign(self.secret, method, request.headers["Host"], request.url.raw_path.decode(),
                                    body))
        try:
            return await self.http.send(request)
        except httpx.HTTPError as exc:
            raise HubUnavailable(f"{method} {path}: {type(exc).__name__}: {exc}") from exc

    @staticmethod
    def _entry_path(entry_id: str) -> str:
        return "/entries/" + quote(entry_id, safe=SAFE_IN_PATH)

    async def put(self, entry_id: str, document: dict) -> None:
        """Store the entry as given (idempotent: the same document twice leaves the same hub)."""
        response = await self._send("PUT", self._entry_path(entry_id), body=orjson.dumps(document))
        if not response.is_success:
            raise HubUnavailable(f"PUT {entry_id}: {response.status_code} {response.text[:200]}")

    async def delete(self, entry_id: str) -> None:
        """Remove the entry; one the hub does not hold counts as removed."""
        response = await self._send("DELETE", self._entry_path(entry_id))
        if not response.is_success and response.status_code != 404:
            raise HubUnavailable(f"DELETE {entry_id}: {response.status_code} {response.text[:200]}")

    async def held(self) -> dict[str, dict]:
        """What the hub holds: {entry id: {"version", "digest"}}, following `next_cursor` pages."""
        held: dict[str, dict] = {}
        params: dict = {}
        for _ in range(MAX_PAGES):
            response = await self._send("GET", "/entries", params=params or None)
            if not response.is_success:
                raise HubUnavailable(f"GET /entries: {response.status_code} {response.text[:200]}")
            page = response.json()
            for item in page.get("data", []):
                held[item["id"]] = item
            if not page.get("next_cursor"):
                return held
            params = {"cursor": page["next_cursor"]}
        raise HubUnavailable("GET /entries: too many pages")
