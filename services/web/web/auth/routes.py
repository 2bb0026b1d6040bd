"""Signing in and out. Development: pick one of the gateway's development clients."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse

from web.api import Api, ApiError, api_for
from web.pages import render
from web.session import TOKEN_COOKIE, check_csrf

router = APIRouter()
TOKEN_PATH = "/api/v1/auth/token"


def _safe_next(value: str | None) -> str:
    # Only a path on this site, so the sign-in cannot send anyone elsewhere.
    return value if value and value.startswith("/") and not value.startswith("//") and "\\" not in value else "/"


@router.get("/sign-in")
async def sign_in_page(request: Request, next: str | None = None):
    """The development clients to sign in as."""
    settings = request.app.state.settings
    if not settings.is_development:
        raise ApiError(404, "Page not found", "Sign-in through the identity provider is not configured here.")
    return render(request, "sign_in.html", title="Sign in", clients=settings.dev_clients, next=_safe_next(next))


@router.post("/sign-in", dependencies=[Depends(check_csrf)])
async def sign_in(request: Request, client_id: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/"):
    """A token from the gateway's token endpoint, kept in an HttpOnly cookie."""
    settings = request.app.state.settings
    if not settings.is_development:
        raise ApiError(404, "Page not found")
    if client_id not in settings.dev_clients:
        return render(request, "sign_in.html", status_code=422, title="Sign in", clients=settings.dev_clients,
                      next=_safe_next(next), errors=[("client_id", "Select who to sign in as")])
    # Anonymous (no token yet), with the development client's published secret.
    signed_out = Api(request.app.state.http, None, api_for(request).passed_on)
    token = (await signed_out.call("POST", TOKEN_PATH, data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": f"{client_id}-dev-secret"})).json()
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(TOKEN_COOKIE, token["access_token"], max_age=int(token.get("expires_in", 3600)), path="/",
                        httponly=True, samesite="lax", secure=settings.secure_cookies)
    return response


@router.post("/sign-out", dependencies=[Depends(check_csrf)])
async def sign_out(request: Request):
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(TOKEN_COOKIE, path="/")
    return response
