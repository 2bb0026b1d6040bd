"""In front of the client registry's routes: only an admin with a valid, unrevoked token gets in, and before
any of its body is read; the registry's routes then see the caller as every service does (request.state)."""

from __future__ import annotations

import time

from gateway.proxy import Proxy
from servicekit.middleware import BodyLimitMiddleware
from servicekit.problems import Problem, forbidden, problem_response

# A client's name and agency: a request larger than this is not one.
MAX_BODY_BYTES = 16384


class AdminsOnly:
    """ASGI: authenticates the bearer token as the proxy does, admits admins to `app`, answers the rest."""

    def __init__(self, app, proxy: Proxy):
        self.app = BodyLimitMiddleware(app, max_bytes=MAX_BODY_BYTES)
        self.proxy = proxy

    async def __call__(self, scope, receive, send) -> None:
        refusal, identity = await self._admit(scope)
        if refusal is not None:
            await problem_response(refusal, scope["path"])(scope, receive, send)
            return
        await self.app(dict(scope, state={**scope.get("state", {}), "identity": identity}), receive, send)

    async def _admit(self, scope):
        now = time.time()
        authorization = next((value for name, value in scope["headers"] if name == b"authorization"), None)
        principal = await self.proxy.caller(scope, authorization, now)
        if isinstance(principal, Problem):
            return principal, None
        if principal.identity.is_anonymous:
            return Problem(401, "this needs a bearer token from POST /api/v1/auth/token", kind="unauthenticated",
                           headers={"www-authenticate": "Bearer"}), None
        refusal = await self.proxy.revoked(principal, authorization, now)
        if refusal is not None:
            return refusal, None
        if not principal.identity.has_role("admin"):
            return forbidden("this needs the role admin"), None
        return None, principal.identity
