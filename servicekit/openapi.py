"""The answers the toolkit gives on a service's behalf, written into the service's OpenAPI document.

FastAPI documents only what a route declares, plus a 422 in a shape the toolkit never sends. Every
error a service answers with is problem+json (servicekit.problems); this states, per operation, the
ones the toolkit itself can give, so a client (or a fuzzer checking status codes) is not surprised.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from servicekit.problems import PROBLEM_CONTENT_TYPE

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA = {
    "type": "object", "description": "RFC 9457 problem details",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "instance": {"type": "string"},
        "errors": {"type": "array", "description": "each field that is not valid, and why (422)", "items": {
            "type": "object", "required": ["field", "message"],
            "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}},
    },
}
# Why the toolkit answers each status, whichever route it is.
BAD_REQUEST = ("the body is not JSON, a path or query value holds a NUL character, or a cursor or "
               "Idempotency-Key is not one this service accepts")
NOT_FOUND = "a resource the path names does not exist, or the caller may not see it"
CONFLICT = "the change conflicts with the resource's state, or with another change made at the same time"
UNPROCESSABLE = "a value is not valid; `errors` names each field and what is wrong with it"
PRECONDITION_FAILED = "If-Match names another version than the current one (read again for its ETag)"
PRECONDITION_REQUIRED = "If-Match is missing; send the ETag the last read gave"
_WRITES = ("post", "put", "patch", "delete")
IF_MATCH = {"name": "If-Match", "in": "header", "required": True,
            "description": "the ETag of the version read last; the update applies only to that version",
            "schema": {"type": "string", "examples": ['"1"']}}
_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


def problem(description: str) -> dict[str, Any]:
    """A response object: problem+json with the given description."""
    return {"description": description, "content": {PROBLEM_CONTENT_TYPE: {"schema": dict(PROBLEM_REF)}}}


def install_problem_documentation(app: FastAPI) -> None:
    """Make `app.openapi()` state the toolkit's problem responses on every operation."""

    def openapi() -> dict:
        if app.openapi_schema is None:
            document_problems(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi


def document_problems(document: dict) -> dict:
    """Add the toolkit's problem responses to every operation of `document`, in place; returns it."""
    for path, item in (document.get("paths") or {}).items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                _document_operation(operation, method, path)
    # A webhook is answered by the partner's system, never by FastAPI's validation: its 422 says nothing.
    for item in (document.get("webhooks") or {}).values():
        for operation in item.values():
            if isinstance(operation, dict):
                operation.get("responses", {}).pop("422", None)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for name in _FASTAPI_VALIDATION:
        schemas.pop(name, None)
    return document


def _document_operation(operation: dict, method: str, path: str) -> None:
    responses = operation["responses"]
    # FastAPI's 422 describes its own error list; the toolkit answers 422 as problem+json.
    if "422" in responses:
        responses["422"] = problem(UNPROCESSABLE)
    elif operation.get("parameters") or operation.get("requestBody"):
        responses["422"] = problem(UNPROCESSABLE)
    added: dict[str, str] = {}
    if operation.get("parameters") or operation.get("requestBody"):
        added["400"] = BAD_REQUEST
    if "{" in path:
        added["404"] = NOT_FOUND
    if method in _WRITES:
        # servicekit.app answers a unique-constraint race as 409, and idempotency keys in flight too.
        added["409"] = CONFLICT
    others = [p for p in operation.get("parameters", [])
              if not (p.get("in") == "header" and p.get("name", "").lower() == "if-match")]
    if method == "patch" or len(others) < len(operation.get("parameters", [])):
        # Updates are PATCH, and every update checks If-Match (servicekit.concurrency), as does any other
        # write that takes it (a route declares the header to say so).
        operation["parameters"] = [*others, dict(IF_MATCH)]
        added["412"] = PRECONDITION_FAILED
        added["428"] = PRECONDITION_REQUIRED
    for status, description in added.items():
        responses.setdefault(status, {"description": description})
    for status, response in responses.items():
        # Every error leaves as problem+json; a route's own description says more about this operation.
        if status.startswith(("4", "5")) and "$ref" not in response and "content" not in response:
            responses[status] = problem(response.get("description") or added.get(status, "an error"))
    operation["responses"] = dict(sorted(responses.items()))
