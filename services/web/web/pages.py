"""Rendering: one Jinja2 environment, the context every page gets, and errors as readable pages."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, RedirectResponse

from web import labels
from web.api import ApiError
from web.session import CSRF_FIELD, TOKEN_COOKIE, csrf_token, person_of

log = logging.getLogger("web.pages")
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals.update(label=labels.label, verification_label=labels.verification_label,
                             mi=labels.is_maori_text, CSRF_FIELD=CSRF_FIELD)
templates.env.filters.update(money=labels.money, day=labels.day, when=labels.when)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page: the template with the person, the CSRF token and the current path."""
    base = {"person": person_of(request), "csrf_token": csrf_token(request), "path": request.url.path}
    return templates.TemplateResponse(request, template, base | context, status_code=status_code)


def query_string(params: list[tuple[str, str]], **changes: str | None) -> str:
    """These parameters with some replaced (None removes), as `?a=1&b=2`."""
    kept = [(k, v) for k, v in params if k not in changes]
    kept += [(k, v) for k, v in changes.items() if v is not None]
    return "?" + urlencode(kept) if kept else "?"


templates.env.globals["query_string"] = query_string


def error_page(request: Request, error: ApiError) -> HTMLResponse:
    """What the person reads when the API said no: never a stack trace."""
    if error.status == 401:
        # Back to this page after signing in; a form's target is no page to come back to.
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        response = RedirectResponse(f"/sign-in?{urlencode({'next': here if request.method == 'GET' else '/'})}",
                                    status_code=303)
        response.delete_cookie(TOKEN_COOKIE, path="/")
        return response
    titles = {403: "You cannot see this page", 404: "Page not found", 410: "This is no longer available",
              429: "Too many requests", 503: "Sorry, the service is unavailable"}
    return render(request, "error.html", status_code=error.status if error.status >= 400 else 500,
                  title=titles.get(error.status, "Sorry, there is a problem"), error=error)


def install_error_pages(app: FastAPI) -> None:
    """API problems, unknown paths, bad input and failures all become pages."""

    @app.exception_handler(ApiError)
    async def on_api_error(request: Request, exc: ApiError):
        return error_page(request, exc)

    @app.exception_handler(HTTPException)
    async def on_http_error(request: Request, exc: HTTPException):
        return error_page(request, ApiError(exc.status_code, "", str(exc.detail or "")))

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError):
        errors = [(str(e["loc"][-1]), e["msg"]) for e in exc.errors()]
        return error_page(request, ApiError(422, "Check the address", "Some values in the address are not valid.",
                                            errors))

    @app.exception_handler(Exception)
    async def on_failure(request: Request, exc: Exception):
        log.exception("page failed: %s %s", request.method, request.url.path)
        return error_page(request, ApiError(500, "Sorry, there is a problem with the service",
                                            "Try again later."))
