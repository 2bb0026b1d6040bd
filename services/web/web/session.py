"""Who is signed in (the gateway's token, in an HttpOnly cookie), CSRF tokens, and the security headers.

The token is never shown to a script: the cookie is HttpOnly and SameSite=Lax (Secure outside
development). Every form that changes something carries a CSRF token, an HMAC of a random per-browser
value kept in a second cookie (signed double submit), checked before the change is sent on.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from fastapi import HTTPException, Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOKEN_COOKIE = "mp_token"
CSRF_COOKIE = "mp_csrf"
CSRF_FIELD = "csrf_token"
# No inline script or style anywhere; everything from this site's /assets/.
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


@dataclass(frozen=True)
class Person:
    """The signed-in person as their token names them (for display only: the gateway checks the token)."""

    subject: str
    roles: tuple[str, ...]

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)


def token_of(request: Request) -> str | None:
    return request.cookies.get(TOKEN_COOKIE) or None


def person_of(request: Request) -> Person | None:
    """Claims of the token, unverified: they choose what to show, never what is allowed."""
    token = token_of(request)
    if not token:
        return None
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    roles = claims.get("roles") or ([claims["role"]] if claims.get("role") else [])
    if isinstance(roles, str):
        roles = roles.split()
    return Person(str(claims.get("sub", "")), tuple(str(r) for r in roles))


def csrf_token(request: Request) -> str:
    """The token every changing form carries, bound to this browser's CSRF cookie."""
    return _sign(request.app.state.settings.cookie_secret, request.scope["state"]["csrf_seed"])


def _sign(secret: str, seed: str) -> str:
    return hmac.new(secret.encode(), seed.encode(), hashlib.sha256).hexdigest()


async def check_csrf(request: Request) -> None:
    """Dependency of every POST route: 403 unless the form's token matches this browser's cookie."""
    form = await request.form()
    sent = str(form.get(CSRF_FIELD, ""))
    seed = request.cookies.get(CSRF_COOKIE, "")
    if not seed or not hmac.compare_digest(sent, _sign(request.app.state.settings.cookie_secret, seed)):
        raise HTTPException(403, "The form has expired or did not come from this site. Go back, reload the page "
                                 "and try again.")


class SecurityMiddleware:
    """Adds the security headers to every response and gives each browser its CSRF cookie."""

    def __init__(self, app: ASGIApp, *, secure_cookies: bool):
        self.app = app
        self.secure = "; Secure" if secure_cookies else ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seed = _cookie(scope, CSRF_COOKIE)
        new_seed = None if seed else secrets.token_urlsafe(24)
        scope.setdefault("state", {})["csrf_seed"] = seed or new_seed

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                # Pages and downloads may hold a signed-in person's data: no cache keeps them.
                if headers.get("content-type", "").startswith(("text/html", "text/csv")):
                    headers.setdefault("cache-control", "no-store")
                if new_seed:
                    headers.append("set-cookie", f"{CSRF_COOKIE}={new_seed}; Path=/; HttpOnly; SameSite=Lax{self.secure}")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope["headers"]:
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == name and v:
                    return v
    return None
