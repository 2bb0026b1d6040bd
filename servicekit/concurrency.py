"""Optimistic concurrency: ETag on reads, If-Match on updates, 412 when they differ."""

from __future__ import annotations

from fastapi import Request, Response

from servicekit.problems import Problem


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


def check_if_match(request: Request, current_version: int) -> None:
    """428 without If-Match; 412 when it names another version than the current one."""
    header = request.headers.get("if-match")
    if header is None:
        raise Problem(428, "send If-Match with the ETag you read, so changes made since are not overwritten",
                      kind="precondition-required")
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    if "*" not in tags and etag(current_version) not in tags:
        raise Problem(412, f"the resource changed since you read it; its ETag is now {etag(current_version)}",
                      kind="precondition-failed", current_etag=etag(current_version))
