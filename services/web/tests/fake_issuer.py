"""A small OpenID Connect issuer on loopback: discovery, authorize (consents at once), token (PKCE S256
checked), JWKS. Its access tokens carry the marketplace's roles, for the gateway to verify by JWKS."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route

KID = "fake-issuer-key"


@dataclass
class FakeIssuer:
    """Who it signs people in as, and what it saw."""

    url: str = ""
    subject: str = "oidc-buyer"
    roles: tuple[str, ...] = ("buyer",)
    audience: str = "marketplace-api"
    client_id: str = "marketplace-web"
    id_token_nonce: str | None = None  # set to send an ID token with another nonce
    key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048))
    codes: dict[str, dict] = field(default_factory=dict)
    token_requests: list[dict] = field(default_factory=list)

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/.well-known/openid-configuration", self.discovery),
            Route("/authorize", self.authorize),
            Route("/token", self.token, methods=["POST"]),
            Route("/jwks", self.jwks),
        ])

    async def discovery(self, request: Request) -> JSONResponse:
        return JSONResponse({"issuer": self.url, "authorization_endpoint": f"{self.url}/authorize",
                             "token_endpoint": f"{self.url}/token", "jwks_uri": f"{self.url}/jwks",
                             "response_types_supported": ["code"], "code_challenge_methods_supported": ["S256"]})

    async def authorize(self, request: Request):
        query = request.query_params
        if (query.get("response_type") != "code" or query.get("code_challenge_method") != "S256"
                or query.get("client_id") != self.client_id or not query.get("code_challenge")):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        code = secrets.token_urlsafe(16)
        self.codes[code] = dict(query)
        return RedirectResponse(f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}",
                                status_code=302)

    async def token(self, request: Request) -> JSONResponse:
        form = dict(await request.form())
        self.token_requests.append(form)
        asked = self.codes.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if (asked is None or form.get("grant_type") != "authorization_code" or form.get("redirect_uri") != asked["redirect_uri"]
                or challenge != asked["code_challenge"]):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        now = int(time.time())
        common = {"iss": self.url, "sub": self.subject, "iat": now, "exp": now + 600}
        access = self._sign(common | {"aud": self.audience, "roles": list(self.roles)})
        identity = self._sign(common | {"aud": self.client_id, "nonce": self.id_token_nonce or asked["nonce"]})
        return JSONResponse({"access_token": access, "id_token": identity, "token_type": "Bearer", "expires_in": 600})

    async def jwks(self, request: Request) -> JSONResponse:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return JSONResponse({"keys": [public | {"kid": KID, "use": "sig", "alg": "RS256"}]})

    def _sign(self, claims: dict) -> str:
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": KID})
