"""Route dependencies shared by every service: who is calling, and what time it is."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from servicekit.clock import Clock
from servicekit.identity import Identity
from servicekit.problems import Problem, forbidden


# Dependencies are async on purpose: FastAPI runs plain functions in a worker thread.
async def _identity(request: Request) -> Identity:
    return request.state.identity


async def _clock(request: Request) -> Clock:
    return request.app.state.clock


IdentityDep = Annotated[Identity, Depends(_identity)]
ClockDep = Annotated[Clock, Depends(_clock)]


def require_login(identity: Identity) -> Identity:
    """401 for anonymous callers."""
    if identity.is_anonymous:
        raise Problem(401, "this needs a bearer token from POST /api/v1/auth/token", kind="unauthenticated",
                      headers={"WWW-Authenticate": "Bearer"})
    return identity


def require_roles(*roles: str):
    """A dependency admitting only callers holding one of `roles`."""

    async def check(identity: IdentityDep) -> Identity:
        require_login(identity)
        if not identity.has_role(*roles):
            raise forbidden(f"this needs the role {' or '.join(roles)}")
        return identity

    return Depends(check)


AdminDep = Annotated[Identity, require_roles("admin")]
