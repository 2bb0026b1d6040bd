"""The marketplace's public API as the pages see it: the gateway, called with the signed-in person's token."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import Request

from web.session import token_of


@dataclass
class ApiError(Exception):
    """The gateway answered with a problem (RFC 9457) or could not be reached."""

    status: int
    title: str
    detail: str = ""
    # (field, message) pairs from a validation problem, to link each message to its form field
    errors: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def from_response(cls, response: httpx.Response) -> ApiError:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        errors = [(_field_name(e.get("field", "")), str(e.get("message", "")))
                  for e in body.get("errors") or [] if isinstance(e, dict)]
        return cls(response.status_code, str(body.get("title") or response.reason_phrase or "Error"),
                   str(body.get("detail") or ""), errors)


def _field_name(location: str) -> str:
    # The API names fields as `body:notes`, `query:price_min` or `items.0.notes`: the form field is the last part.
    return location.split(":")[-1].split(".")[-1]


class Api:
    """One request's view of the API: the caller's token on every call."""

    def __init__(self, client: httpx.AsyncClient, token: str | None, passed_on: dict[str, str] | None = None):
        self.client = client
        self.token = token
        self.passed_on = passed_on or {}

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Accept": "application/json", **self.passed_on, **(extra or {})}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    async def call(self, method: str, path: str, *, params: Any = None, json: Any = None, data: Any = None,
                   headers: dict[str, str] | None = None) -> httpx.Response:
        """The response for a 2xx answer; ApiError otherwise (503 when the gateway cannot be reached)."""
        try:
            response = await self.client.request(method, path, params=params, json=json, data=data,
                                                 headers=self._headers(headers))
        except httpx.HTTPError:
            raise ApiError(503, "The marketplace is not available",
                           "The service could not be reached. Try again in a few minutes.") from None
        if response.status_code >= 400:
            raise ApiError.from_response(response)
        return response

    async def get(self, path: str, params: Any = None) -> Any:
        return (await self.call("GET", path, params=params)).json()

    async def post(self, path: str, json: Any = None, headers: dict[str, str] | None = None) -> Any:
        response = await self.call("POST", path, json=json, headers=headers)
        return response.json() if response.content else None


# Passed on from the page request to its API calls: the browser's address as the gateway saw it (believed
# only when GATEWAY_TRUSTED_PROXIES lists the pages' address, so rate limits key on the person, not on
# the pages), and the request id, so the gateway's log ties the calls to the page.
PASSED_ON = ("x-forwarded-for", "x-request-id")


def api_for(request: Request) -> Api:
    """The API as the person making this request may use it."""
    passed_on = {name: value for name in PASSED_ON if (value := request.headers.get(name))}
    return Api(request.app.state.http, token_of(request), passed_on)
