"""Signing in and out: OpenID Connect when an issuer is configured, else (development only) one of the
gateway's development clients."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from web.api import Api, ApiError, api_for
from web.auth import oidc
from web.pages import render
from web.session import TOKEN_COOKIE, check_csrf

router = APIRouter()
TOKEN_PATH = "/api/v1/auth/token"


def _safe_next(value: str | None) -> str:
    # Only a path on this site, so the sign-in cannot send anyone elsewhere.
    return value if value and value.startswith("/") and not value.startswith("//") and "\\" not in value else "/"


def _development_only(request: Request) -> None:
    settings = request.app.state.settings
    if request.app.state.issuer is not None or not settings.is_development:
        raise ApiError(404, "Page not found", "Sign in through the identity provider instead.")


@router.get("/sign-in")
async def sign_in_page(request: Request, next: str | None = None):
    """The identity provider's button, or the development clients to sign in as."""
    settings = request.app.state.settings
    if request.app.state.issuer is not None:
        return render(request, "sign_in.html", title="Sign in", oidc=True, next=_safe_next(next))
    if not settings.is_development:
        raise ApiError(404, "Page not found", "Sign-in is not configured here.")
    return render(request, "sign_in.html", title="Sign in", clients=settings.dev_clients, next=_safe_next(next))


@router.get("/sign-in/start")
async def oidc_start(request: Request, next: str | None = None):
    """Off to the identity provider, the flow's secrets in a signed cookie until it sends the person back."""
    issuer = request.app.state.issuer
    if issuer is None:
        raise ApiError(404, "Page not found")
    settings = request.app.state.settings
    flow = oidc.Flow.begin(_safe_next(next))
    response = RedirectResponse(await issuer.authorization_url(flow), status_code=303)
    response.set_cookie(oidc.FLOW_COOKIE, flow.seal(settings.cookie_secret), max_age=oidc.FLOW_SECONDS,
                        path=oidc.CALLBACK_PATH, httponly=True, samesite="lax", secure=settings.secure_cookies)
    return response


@router.get(oidc.CALLBACK_PATH)
async def oidc_callback(request: Request, code: str | None = None, state: str | None = None,
                        error: str | None = None):
    """The identity provider's answer: the code exchanged with the verifier, the ID token checked."""
    issuer = request.app.state.issuer
    if issuer is None:
        raise ApiError(404, "Page not found")
    settings = request.app.state.settings
    flow = oidc.Flow.open(request.cookies.get(oidc.FLOW_COOKIE), settings.cookie_secret)
    if flow is None or not state or not hmac.compare_digest(state, flow.state):
        raise ApiError(400, "Sign-in did not complete", "The sign-in expired or was not started here. Sign in again.")
    if error or not code:
        raise ApiError(400, "Sign-in did not complete", "The identity provider did not sign you in.")
    tokens = await issuer.exchange(code, flow)
    response = RedirectResponse(flow.next, status_code=303)
    response.delete_cookie(oidc.FLOW_COOKIE, path=oidc.CALLBACK_PATH)
    _keep_token(response, tokens, settings)
    return response


def _keep_token(response: Response, tokens: dict, settings) -> None:
    response.set_cookie(TOKEN_COOKIE, tokens["access_token"], max_age=int(tokens.get("expires_in", 3600)), path="/",
                        httponly=True, samesite="lax", secure=settings.secure_cookies)


@router.post("/sign-in", dependencies=[Depends(_development_only), Depends(check_csrf)])
async def sign_in(request: Request, client_id: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/"):
    """A token from the gateway's token endpoint, kept in an HttpOnly cookie."""
    settings = request.app.state.settings
    if client_id not in settings.dev_clients:
        return render(request, "sign_in.html", status_code=422, title="Sign in", clients=settings.dev_clients,
                      next=_safe_next(next), errors=[("client_id", "Select who to sign in as")])
    # Anonymous (no token yet), with the development client's published secret.
    signed_out = Api(request.app.state.http, None, api_for(request).passed_on)
    token = (await signed_out.call("POST", TOKEN_PATH, data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": f"{client_id}-dev-secret"})).json()
    response = RedirectResponse(_safe_next(next), status_code=303)
    _keep_token(response, token, settings)
    return response


@router.post("/sign-out", dependencies=[Depends(check_csrf)])
async def sign_out(request: Request):
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(TOKEN_COOKIE, path="/")
    return response
