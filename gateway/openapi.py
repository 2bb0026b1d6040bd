"""One OpenAPI 3.1 document for the whole marketplace, merged from the services' documents."""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import Mapping
from typing import Any

import aiohttp
import orjson

from gateway.routes import API_PREFIX, ROUTES
from servicekit.identity import IDENTITY_HEADER, ROLES

log = logging.getLogger("gateway.openapi")
FETCH_TIMEOUT_SECONDS = 5.0
# While a service is down, look again sooner than the full cache time.
INCOMPLETE_CACHE_SECONDS = 5.0
_PROBLEM_REF = {"$ref": "#/components/schemas/GatewayProblem"}


def _problem_response(description: str) -> dict:
    return {"description": description, "content": {"application/problem+json": {"schema": _PROBLEM_REF}}}


def gateway_document(issues_tokens: bool) -> dict:
    """The gateway's own paths, schemas and security schemes."""
    schemes: dict[str, Any] = {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
    schemas: dict[str, Any] = {"GatewayProblem": {
        "type": "object", "description": "RFC 9457 problem details",
        "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                       "detail": {"type": "string"}, "instance": {"type": "string"},
                       "error": {"type": "string", "description": "RFC 6749 error code (token endpoint only)"}},
        "required": ["type", "title", "status"]}}
    paths: dict[str, Any] = {}
    if issues_tokens:
        schemes["clientBasic"] = {"type": "http", "scheme": "basic", "description": "client id and secret"}
        schemes["clientCredentials"] = {"type": "oauth2", "flows": {"clientCredentials": {
            "tokenUrl": f"{API_PREFIX}auth/token", "scopes": {role: f"act as {role}" for role in ROLES}}}}
        schemas |= _token_schemas()
        paths = _token_paths()
    return {"paths": paths, "components": {"schemas": schemas, "securitySchemes": schemes}}


def _token_schemas() -> dict:
    return {
        "GatewayTokenRequest": {"type": "object", "required": ["grant_type"], "properties": {
            "grant_type": {"type": "string", "enum": ["client_credentials"]},
            "client_id": {"type": "string"}, "client_secret": {"type": "string", "format": "password"},
            "scope": {"type": "string", "description": "space-separated roles; defaults to all of the client's"}}},
        "GatewayTokenResponse": {"type": "object", "required": ["access_token", "token_type", "expires_in"],
                                 "properties": {"access_token": {"type": "string"},
                                                "token_type": {"type": "string", "enum": ["Bearer"]},
                                                "expires_in": {"type": "integer"}, "scope": {"type": "string"}}},
    }


def _token_paths() -> dict:
    token = {"post": {
        "tags": ["auth"], "summary": "Issue an access token (OAuth 2.0 client credentials grant)",
        "operationId": "gateway_issue_token", "security": [{"clientBasic": []}, {}],
        "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {
            "schema": {"$ref": "#/components/schemas/GatewayTokenRequest"}}}},
        "responses": {"200": {"description": "a bearer token", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/GatewayTokenResponse"}}}},
            "400": _problem_response("invalid_request, unsupported_grant_type or invalid_scope"),
            "401": _problem_response("invalid_client"), "429": _problem_response("too many requests")}}}
    jwks = {"get": {"tags": ["auth"], "summary": "Public keys that verify the gateway's tokens",
                    "operationId": "gateway_jwks", "security": [],
                    "responses": {"200": {"description": "a JSON Web Key Set",
                                          "content": {"application/json": {"schema": {"type": "object"}}}}}}}
    return {f"{API_PREFIX}auth/token": token, f"{API_PREFIX}auth/jwks.json": jwks}


def merge_documents(services: Mapping[str, dict | None], own: dict) -> dict:
    """Merge service documents (None = unavailable) into the gateway's own document."""
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "AI Marketplace API", "version": "v1",
                 "description": "Procurement marketplace for AI across the public service, behind one gateway."},
        "paths": copy.deepcopy(own["paths"]),
        "components": copy.deepcopy(own["components"]),
        "security": [{"bearerAuth": []}, {}],
        "tags": [{"name": "auth", "description": "development token issuer"}] if own["paths"] else [],
    }
    for service, document in services.items():
        if document is not None:
            _merge_service(merged, service, document)
    unavailable = sorted(service for service, document in services.items() if document is None)
    if unavailable:
        merged["x-unavailable-services"] = unavailable
    return merged


def _merge_service(merged: dict, service: str, document: dict) -> None:
    components = document.get("components") or {}
    renames = _renames(merged["components"], components, service)
    document = _rewrite_refs(document, renames) if renames else document
    for section, entries in (document.get("components") or {}).items():
        target = merged["components"].setdefault(section, {})
        for name, value in entries.items():
            target[renames.get((section, name), name)] = value
    owned = tuple(f"{API_PREFIX}{resource}" for resource, owner in ROUTES.items() if owner == service)
    for path, item in (document.get("paths") or {}).items():
        # Only what the gateway actually routes to this service is reachable through it.
        if any(path == prefix or path.startswith(prefix + "/") for prefix in owned):
            merged["paths"][path] = _without_identity_header(item)
    known = {tag["name"] for tag in merged["tags"]}
    merged["tags"].extend(tag for tag in document.get("tags") or [] if tag.get("name") not in known)


def _without_identity_header(item: dict) -> dict:
    """The path item minus the identity header parameter: the gateway sets it, callers cannot."""

    def keep(parameter: Any) -> bool:
        return not (isinstance(parameter, dict) and parameter.get("in") == "header"
                    and str(parameter.get("name", "")).lower() == IDENTITY_HEADER)

    cleaned = {}
    for key, value in item.items():
        if isinstance(value, dict) and isinstance(value.get("parameters"), list):
            value = value | {"parameters": [p for p in value["parameters"] if keep(p)]}
        elif key == "parameters" and isinstance(value, list):
            value = [p for p in value if keep(p)]
        cleaned[key] = value
    return cleaned


def _renames(existing: dict, incoming: dict, service: str) -> dict[tuple[str, str], str]:
    """New names for components that clash with different ones already merged."""
    renames: dict[tuple[str, str], str] = {}
    changed = True
    # A component that refers to a renamed one differs too, even if its text is the same; repeat until stable.
    while changed:
        changed = False
        for section, entries in incoming.items():
            taken = existing.get(section, {})
            for name, value in entries.items():
                if (section, name) in renames or name not in taken:
                    continue
                if taken[name] != value or _refers_to(value, renames):
                    chosen = {new for (other, _), new in renames.items() if other == section}
                    renames[(section, name)] = _free_name(f"{service.capitalize()}{name}", taken, entries, chosen)
                    changed = True
    return renames


def _free_name(candidate: str, *namespaces: Mapping | set) -> str:
    name, n = candidate, 2
    while any(name in space for space in namespaces):
        name, n = f"{candidate}{n}", n + 1
    return name


def _refers_to(value: Any, renames: dict[tuple[str, str], str]) -> bool:
    text = orjson.dumps(value).decode()
    return any(f'"#/components/{section}/{name}"' in text for section, name in renames)


def _rewrite_refs(node: Any, renames: dict[tuple[str, str], str]) -> Any:
    """A copy of `node` with every $ref to a renamed component pointing at its new name."""
    prefix = "#/components/"
    refs = {f"{prefix}{section}/{name}": f"{prefix}{section}/{new}" for (section, name), new in renames.items()}

    def walk(item: Any) -> Any:
        if isinstance(item, dict):
            return {key: (refs.get(value, value) if key == "$ref" and isinstance(value, str) else walk(value))
                    for key, value in item.items()}
        if isinstance(item, list):
            return [walk(value) for value in item]
        return item

    return walk(node)


class OpenApiAggregator:
    """Fetches the services' documents and serves the merged one from a short cache."""

    def __init__(self, upstreams: Mapping[str, str], *, issues_tokens: bool, cache_seconds: float):
        self.upstreams = dict(upstreams)
        self.own = gateway_document(issues_tokens)
        self.cache_seconds = cache_seconds
        self._cached: tuple[bytes, float] | None = None
        self._lock = asyncio.Lock()

    async def document(self, session: aiohttp.ClientSession, identity_header: str) -> bytes:
        """The merged document as JSON bytes."""
        async with self._lock:
            if self._cached is None or self._cached[1] <= time.monotonic():
                self._cached = await self._build(session, identity_header)
            return self._cached[0]

    async def _build(self, session: aiohttp.ClientSession, identity_header: str) -> tuple[bytes, float]:
        names = list(self.upstreams)
        fetched = await asyncio.gather(*(self._fetch(session, name, identity_header) for name in names))
        documents = dict(zip(names, fetched, strict=True))
        merged = merge_documents(documents, self.own)
        ttl = self.cache_seconds if all(documents.values()) else min(self.cache_seconds, INCOMPLETE_CACHE_SECONDS)
        return orjson.dumps(merged), time.monotonic() + ttl

    async def _fetch(self, session: aiohttp.ClientSession, service: str, identity_header: str) -> dict | None:
        url = f"{self.upstreams[service]}/openapi.json"
        try:
            async with session.get(url, headers={IDENTITY_HEADER: identity_header},
                                   timeout=aiohttp.ClientTimeout(total=FETCH_TIMEOUT_SECONDS)) as response:
                if response.status != 200:
                    raise ValueError(f"status {response.status}")
                document = orjson.loads(await response.read())
                if not isinstance(document, dict):
                    raise ValueError("not a JSON object")
                return document
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("leaving %s out of the merged OpenAPI document: %s", service, exc)
            return None
