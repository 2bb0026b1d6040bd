"""RFC 9457 problem details for every error a service or the gateway returns."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://marketplace.govt.nz/problems/"
log = logging.getLogger("servicekit.problems")


class Problem(Exception):
    """An error with a status, a short title and a detail meant for the caller.

    `kind` becomes the problem type URI; extra keyword arguments become extension members.
    """

    def __init__(self, status: int, detail: str, *, kind: str | None = None, title: str | None = None,
                 headers: dict[str, str] | None = None, **extensions: Any):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or HTTPStatus(status).phrase
        self.kind = kind or HTTPStatus(status).phrase.lower().replace(" ", "-").replace("'", "")
        self.headers = headers or {}
        self.extensions = extensions

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body = {"type": PROBLEM_TYPE_BASE + self.kind, "title": self.title, "status": self.status, "detail": self.detail}
        if instance:
            body["instance"] = instance
        return body | self.extensions


def problem_response(problem: Problem, instance: str | None = None) -> Response:
    return Response(
        content=orjson.dumps(problem.body(instance)),
        status_code=problem.status,
        media_type=PROBLEM_CONTENT_TYPE,
        headers=problem.headers,
    )


def not_found(what: str, ident: Any) -> Problem:
    return Problem(404, f"{what} {ident} does not exist", kind="not-found")


def conflict(detail: str, **extensions: Any) -> Problem:
    return Problem(409, detail, kind="conflict", **extensions)


def forbidden(detail: str = "your role may not do this") -> Problem:
    return Problem(403, detail, kind="forbidden")


def validation_problem(errors: list[dict[str, str]]) -> Problem:
    """422 naming each field that is wrong and what is wrong with it."""
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return Problem(422, f"the request is not valid: {summary}", kind="validation-error",
                   title="Unprocessable Content", errors=errors)


def _field_path(location: tuple, error_type: str | None = None) -> str:
    if error_type == "json_invalid":
        return "body"
    # Drop the leading "body"/"query"/"path" only when it is followed by a real field name.
    parts = [str(p) for p in location]
    if len(parts) > 1 and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:] if parts[0] == "body" else [parts[0] + ":" + parts[1], *parts[2:]]
    return ".".join(parts)


def _message(error: dict) -> str:
    if error.get("type") == "json_invalid":
        return "the body is not valid JSON" + (f" ({error['ctx']['error']})" if error.get("ctx") else "")
    return error.get("msg", "is not valid")


def install_problem_handlers(app: FastAPI) -> None:
    """Every error the app can raise leaves as problem+json, never a stack trace."""

    async def on_problem(request: Request, exc: Problem) -> Response:
        return problem_response(exc, request.url.path)

    async def on_validation(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"field": _field_path(tuple(e.get("loc", ())), e.get("type")), "message": _message(e)}
                  for e in exc.errors()]
        return problem_response(validation_problem(errors), request.url.path)

    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        problem = Problem(exc.status_code, str(exc.detail), headers=dict(exc.headers or {}))
        return problem_response(problem, request.url.path)

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        problem = Problem(500, "the service failed to handle this request; it has been logged", kind="internal-error")
        return problem_response(problem, request.url.path)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
