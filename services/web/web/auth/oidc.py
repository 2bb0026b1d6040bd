"""OpenID Connect sign-in: the authorization code flow with PKCE (RFC 7636) against a configured issuer.

The pages keep nothing server-side: the state, nonce and code verifier of a sign-in in progress ride
in a short-lived HttpOnly cookie signed with the cookie secret, and the access token the issuer gives
goes into the token cookie like the development sign-in's. The gateway verifies that token against
the issuer's JWKS on every API call (GATEWAY_JWKS_URL); the pages verify the ID token's signature,
issuer, audience and nonce once, at the callback.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
import jwt

from web.api import ApiError
from web.settings import WebSettings

FLOW_COOKIE = "mp_oidc"
FLOW_SECONDS = 600
CALLBACK_PATH = "/sign-in/callback"


class SignInFailed(ApiError):
    """The issuer refused, or what came back does not check out."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def code_challenge(verifier: str) -> str:
    """S256: the verifier's SHA-256, base64url without padding."""
    return _b64(hashlib.sha256(verifier.encode()).digest())


@dataclass(frozen=True)
class Flow:
    """One sign-in in progress."""

    state: str
    nonce: str
    verifier: str
    next: str
    started: float

    @classmethod
    def begin(cls, next_path: str) -> Flow:
        return cls(secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48), next_path, time.time())

    def seal(self, secret: str) -> str:
        body = _b64(json.dumps(self.__dict__, separators=(",", ":")).encode())
        return f"{body}.{_b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest())}"

    @classmethod
    def open(cls, sealed: str | None, secret: str) -> Flow | None:
        """The flow from its cookie, or None when missing, forged or stale."""
        if not sealed or "." not in sealed:
            return None
        body, signature = sealed.rsplit(".", 1)
        expected = _b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(signature, expected):
            return None
        try:
            flow = cls(**json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))
        except (ValueError, TypeError):
            return None
        return flow if time.time() - flow.started <= FLOW_SECONDS else None


class Issuer:
    """The identity provider, as its discovery document describes it."""

    def __init__(self, settings: WebSettings, http: httpx.AsyncClient):
        self.settings = settings
        self.http = http
        self._metadata: dict | None = None

    @property
    def redirect_uri(self) -> str:
        return self.settings.public_url.rstrip("/") + CALLBACK_PATH

    async def metadata(self) -> dict:
        if self._metadata is None:
            url = self.settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration"
            self._metadata = await self._json("GET", url)
        return self._metadata

    async def authorization_url(self, flow: Flow) -> str:
        endpoint = (await self.metadata())["authorization_endpoint"]
        return endpoint + "?" + urlencode({
            "response_type": "code", "client_id": self.settings.oidc_client_id, "redirect_uri": self.redirect_uri,
            "scope": self.settings.oidc_scopes, "state": flow.state, "nonce": flow.nonce,
            "code_challenge": code_challenge(flow.verifier), "code_challenge_method": "S256"})

    async def exchange(self, code: str, flow: Flow) -> dict:
        """The tokens for this code, the ID token checked; returns the token response."""
        metadata = await self.metadata()
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri,
                "client_id": self.settings.oidc_client_id, "code_verifier": flow.verifier}
        if self.settings.oidc_client_secret:
            form["client_secret"] = self.settings.oidc_client_secret
        tokens = await self._json("POST", metadata["token_endpoint"], data=form)
        if "access_token" not in tokens or "id_token" not in tokens:
            raise SignInFailed(502, "Sign-in did not complete", "The identity provider sent no token.")
        await self._check_id_token(tokens["id_token"], flow, metadata)
        return tokens

    async def _check_id_token(self, id_token: str, flow: Flow, metadata: dict) -> None:
        try:
            kid = jwt.get_unverified_header(id_token).get("kid")
            keys = (await self._json("GET", metadata["jwks_uri"]))["keys"]
            key = next(k for k in keys if kid is None or k.get("kid") == kid)
            claims = jwt.decode(id_token, jwt.PyJWK(key).key, algorithms=["RS256", "ES256"],
                                audience=self.settings.oidc_client_id, issuer=metadata["issuer"],
                                options={"require": ["exp", "iat", "sub"]})
        except (jwt.PyJWTError, StopIteration, KeyError, ValueError) as error:
            raise SignInFailed(400, "Sign-in did not complete", f"The identity token is not valid ({error}).") from None
        if not hmac.compare_digest(str(claims.get("nonce", "")), flow.nonce):
            raise SignInFailed(400, "Sign-in did not complete", "The identity token was not issued for this sign-in.")

    async def _json(self, method: str, url: str, **options) -> dict:
        try:
            response = await self.http.request(method, url, timeout=self.settings.oidc_timeout_seconds, **options)
        except httpx.HTTPError:
            raise SignInFailed(503, "Sign-in is not available", "The identity provider cannot be reached.") from None
        if response.status_code != 200:
            raise SignInFailed(502, "Sign-in did not complete", "The identity provider refused the sign-in.")
        return response.json()
