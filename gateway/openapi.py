"""One OpenAPI 3.1 document for the whole marketplace, merged from the services' documents."""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp
import orjson

from gateway.access import PUBLIC, SIGNED_IN, roles_for
from gateway.routes import API_PREFIX, ROUTES
from gateway.ratelimit import rate_limited
from servicekit.identity import IDENTITY_HEADER
from servicekit.problems import Problem

log = logging.getLogger("gateway.openapi")
FETCH_TIMEOUT_SECONDS = 5.0
# While a service is down, look again sooner than the full cache time.
INCOMPLETE_CACHE_SECONDS = 5.0
_PROBLEM_REF = {"$ref": "#/components/schemas/GatewayProblem"}
_OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
BEARER = ({"bearerAuth": []},)
# Public operations take a token too: it may show the caller more (an admin sees withdrawn entries).
OPTIONAL_BEARER = ({}, {"bearerAuth": []})
API_INFO = {
    "title": "AI Marketplace API", "version": "v1",
    "description": "Procurement marketplace for AI across the public service, behind one gateway.",
    "contact": {"name": "AI Marketplace platform team"},
    "license": {"name": "Proprietary", "identifier": "LicenseRef-Proprietary"},
}
# The document names paths from the root of the gateway that serves it.
SERVERS = [{"url": "/", "description": "the gateway serving this document"}]
TAG_DESCRIPTIONS = {"auth": "The gateway's development token issuer and its public keys.",
                    "clients": "The gateway's registry of API clients (admins): buyers bound to an agency, "
                               "assessors and partner systems."}
# A create whose resource is read elsewhere than under the path it was created on.
CREATED_UNDER = {f"{API_PREFIX}courses/{{course_id}}/sessions": f"{API_PREFIX}sessions",
                 f"{API_PREFIX}registry/surveys/{{year}}": f"{API_PREFIX}registry/surveys/responses"}


def _problem_response(description: str, example: dict | None = None, headers: dict | None = None) -> dict:
    media: dict[str, Any] = {"schema": _PROBLEM_REF}
    if example is not None:
        media["example"] = example
    response: dict[str, Any] = {"description": description, "content": {"application/problem+json": media}}
    if headers:
        response["headers"] = headers
    return response


def _example(problem: Problem) -> dict:
    return problem.body()


_RETRY_AFTER = {"Retry-After": {"description": "whole seconds to wait before trying again",
                                "schema": {"type": "integer", "minimum": 1}}}
_WWW_AUTHENTICATE = {"WWW-Authenticate": {"description": "the bearer challenge", "schema": {"type": "string"}}}
# What the gateway itself may answer on any forwarded request, whatever the service says.
GATEWAY_RESPONSES: dict[str, tuple[str, dict]] = {
    "401": ("GatewayUnauthorized", _problem_response(
        "the bearer token is missing where one is needed, or is not valid", _example(Problem(
            401, "the bearer token is not valid: Signature has expired", kind="invalid-token")),
        _WWW_AUTHENTICATE)),
    "408": ("GatewayRequestTimeout", _problem_response(
        "the request did not arrive in full within the gateway's deadline",
        _example(Problem(408, "the request did not arrive in full within 30 s", kind="request-timeout")))),
    "413": ("GatewayContentTooLarge", _problem_response(
        "the request body is larger than the route's limit", _example(Problem(
            413, "the request body is larger than this route's limit of 1048576 bytes", kind="request-too-large",
            title="Content Too Large", limit=1048576)))),
    "429": ("GatewayTooManyRequests", _problem_response(
        "too many requests from this caller", _example(rate_limited(3)), _RETRY_AFTER)),
    "502": ("GatewayBadGateway", _problem_response(
        "the service sent a malformed response", _example(Problem(
            502, "the catalogue service sent a malformed response", kind="upstream-bad-response",
            service="catalogue")))),
    "503": ("GatewayServiceUnavailable", _problem_response(
        "the service, or the identity provider checking the token, cannot be reached", _example(Problem(
            503, "the catalogue service is not reachable", kind="upstream-unavailable", service="catalogue")))),
    "504": ("GatewayTimeout", _problem_response(
        "the service did not answer in time", _example(Problem(
            504, "the catalogue service did not answer within 10 s", kind="upstream-timeout",
            service="catalogue")))),
}


def gateway_document(issues_tokens: bool, clients: dict | None = None) -> dict:
    """The gateway's own paths, schemas and security schemes; `clients`: the client registry's document."""
    schemes: dict[str, Any] = {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
    schemas: dict[str, Any] = {"GatewayProblem": {
        "type": "object", "description": "RFC 9457 problem details",
        "properties": {"type": {"type": "string", "format": "uri"}, "title": {"type": "string"},
                       "status": {"type": "integer"}, "detail": {"type": "string"}, "instance": {"type": "string"},
                       "service": {"type": "string", "description": "the service that failed (502, 503, 504)"},
                       "limit": {"type": "integer", "description": "the route's body limit in bytes (413)"},
                       "error": {"type": "string", "description": "RFC 6749 error code (token endpoint only)"},
                       "error_description": {"type": "string", "description": "RFC 6749 (token endpoint only)"}},
        "required": ["type", "title", "status"]}}
    responses = {name: response for name, response in GATEWAY_RESPONSES.values()}
    paths: dict[str, Any] = {}
    if issues_tokens:
        schemes["clientBasic"] = {"type": "http", "scheme": "basic", "description": "client id and secret"}
        schemas |= _token_schemas()
        paths = _token_paths()
    tags = ["auth"] if paths else []
    if issues_tokens and clients is not None:
        # Answered by the gateway itself, but documented as a forwarded resource: a bearer token, admins only.
        # Its schemas are named as the gateway's, so they never take a service's name (Problem, Page...).
        own_schemas = (clients.get("components") or {}).get("schemas", {})
        clients = _rewrite_refs(clients, {("schemas", name): f"GatewayClients{name}" for name in own_schemas})
        schemas |= {f"GatewayClients{name}": schema for name, schema in clients["components"]["schemas"].items()}
        paths |= {path: _as_own(_without_identity_header(item), ("admin",), "clients")
                  for path, item in clients.get("paths", {}).items()}
        tags.append("clients")
    return {"paths": paths, "tags": [{"name": tag, "description": TAG_DESCRIPTIONS[tag]} for tag in tags],
            "components": {"schemas": schemas, "responses": responses, "securitySchemes": schemes}}


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
            "schema": {"$ref": "#/components/schemas/GatewayTokenRequest"},
            "example": {"grant_type": "client_credentials", "scope": "buyer"}}}},
        "responses": {"200": {"description": "a bearer token", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/GatewayTokenResponse"},
            "example": {"access_token": "eyJhbGciOiJSUzI1NiIsImtpZCI6Ii4uLiJ9.eyJzdWIiOiJidXllciJ9.c2lnbmF0dXJl",
                        "token_type": "Bearer", "expires_in": 3600, "scope": "buyer"}}}},
            "400": _problem_response("invalid_request, unsupported_grant_type or invalid_scope", _example(
                Problem(400, "only the client_credentials grant is supported", kind="unsupported-grant-type",
                        error="unsupported_grant_type",
                        error_description="only the client_credentials grant is supported"))),
            "401": _problem_response("invalid_client", _example(
                Problem(401, "unknown client or wrong secret", kind="invalid-client", error="invalid_client",
                        error_description="unknown client or wrong secret"))),
            "429": {"$ref": "#/components/responses/GatewayTooManyRequests"}}}}
    jwks = {"get": {"tags": ["auth"], "summary": "Public keys that verify the gateway's tokens",
                    "operationId": "gateway_jwks", "security": [],
                    "responses": {"200": {"description": "a JSON Web Key Set", "content": {"application/json": {
                        "schema": {"type": "object", "required": ["keys"],
                                   "properties": {"keys": {"type": "array", "items": {"type": "object"}}}},
                        "example": {"keys": [{"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
                                              "n": "sXch...", "e": "AQAB"}]}}}},
                                  "429": {"$ref": "#/components/responses/GatewayTooManyRequests"}}}}
    return {f"{API_PREFIX}auth/token": token, f"{API_PREFIX}auth/jwks.json": jwks}


def merge_documents(services: Mapping[str, dict | None], own: dict) -> dict:
    """Merge service documents (None = unavailable) into the gateway's own document."""
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": copy.deepcopy(API_INFO),
        "servers": copy.deepcopy(SERVERS),
        "paths": copy.deepcopy(own["paths"]),
        "components": copy.deepcopy(own["components"]),
        # Every operation says its own; this is only for tools that read nothing else.
        "security": _security(BEARER),
        "tags": copy.deepcopy(own.get("tags", [])),
    }
    for service, document in services.items():
        if document is not None:
            _merge_service(merged, service, document)
    _link_creates(merged)
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
    # OpenAPI 3.1 webhooks: what a service sends out (the partners service's deliveries), kept as it says.
    for name, item in (document.get("webhooks") or {}).items():
        merged.setdefault("webhooks", {})[name] = item
    owned = tuple(f"{API_PREFIX}{resource}" for resource, owner in ROUTES.items() if owner == service)
    routed = False
    for path, item in (document.get("paths") or {}).items():
        # Only what the gateway actually routes to this service is reachable through it.
        if any(path == prefix or path.startswith(prefix + "/") for prefix in owned):
            merged["paths"][path] = _as_forwarded(_without_identity_header(item), path, service)
            routed = True
    if routed:
        info = document.get("info") or {}
        merged["tags"].append({"name": service,
                               "description": info.get("description") or info.get("title") or service})


def _link_creates(merged: dict) -> None:
    """OpenAPI links from each create's 201 to the operations on what it created: its reads, updates and
    transitions, with the new resource's key from the response body and the rest of the path as requested."""
    paths = merged["paths"]
    for path, item in paths.items():
        created = (item.get("post") or {}).get("responses", {}).get("201")
        if created is None:
            continue
        base = CREATED_UNDER.get(path, path)
        keys = _body_properties(merged, created)
        links = {}
        for target, target_item in paths.items():
            if not target.startswith(base + "/{"):
                continue
            new_key = target[len(base) + 2:].split("}", 1)[0]
            parameters = {new_key: f"$response.body#/{new_key if new_key in keys else 'id'}"}
            parameters |= {name: f"$request.path.{name}" for name in _path_parameters(path)
                           if name in _path_parameters(target)}
            for method in _OPERATIONS:
                operation = target_item.get(method)
                if isinstance(operation, dict) and operation.get("operationId"):
                    # An update of what was just created applies to the version the create answered with.
                    header = ({"header.If-Match": "$response.header.ETag"}
                              if _takes_header(operation, "If-Match") and target.count("{") == path.count("{") + 1
                              else {})
                    links[operation["operationId"]] = {"operationId": operation["operationId"],
                                                       "parameters": parameters | header}
        if links:
            created["links"] = dict(sorted(links.items()))


def _takes_header(operation: dict, name: str) -> bool:
    return any(isinstance(p, dict) and p.get("in") == "header" and str(p.get("name", "")).lower() == name.lower()
               for p in operation.get("parameters") or [])


def _path_parameters(path: str) -> list[str]:
    return [segment[1:-1] for segment in path.split("/") if segment.startswith("{") and segment.endswith("}")]


def _body_properties(merged: dict, response: dict) -> set[str]:
    """The top-level property names of a response's JSON body (its schema may be a component reference)."""
    schema = ((response.get("content") or {}).get("application/json") or {}).get("schema") or {}
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        schema = merged["components"]["schemas"].get(ref.rsplit("/", 1)[1], {})
    return set(schema.get("properties") or {})


def _as_forwarded(item: dict, path: str, service: str) -> dict:
    """The path item's operations under the service's tag, with their security and the gateway's responses."""
    forwarded = dict(item)
    for method in _OPERATIONS:
        if isinstance(item.get(method), dict):
            forwarded[method] = _forwarded_operation(item[method], roles_for(method, path), service)
    return forwarded


def _as_own(item: dict, roles: tuple[str, ...], tag: str) -> dict:
    return {method: _forwarded_operation(operation, roles, tag) if method in _OPERATIONS else operation
            for method, operation in item.items()}


def _forwarded_operation(operation: dict, roles: tuple[str, ...], service: str) -> dict:
    responses = dict(operation.get("responses") or {})
    for status, (name, _) in GATEWAY_RESPONSES.items():
        # The service's own description of a status wins; it knows more about this operation.
        responses.setdefault(status, {"$ref": f"#/components/responses/{name}"})
    if roles != PUBLIC:
        needs = "any marketplace role" if roles == SIGNED_IN else "the role " + " or ".join(roles)
        responses.setdefault("403", _problem_response(f"the token does not carry {needs}", _example(
            Problem(403, f"this needs the role {' or '.join(roles)}", kind="forbidden"))))
    ordered = dict(sorted(responses.items()))
    return operation | {"tags": [service], "security": _security(OPTIONAL_BEARER if roles == PUBLIC else BEARER),
                        "responses": ordered}


def _security(requirements: tuple[dict, ...]) -> list[dict]:
    # A fresh list each time: the merged document is the caller's to change.
    return [{scheme: [] for scheme in requirement} for requirement in requirements]


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

    def __init__(self, upstreams: Mapping[str, str], *, issues_tokens: bool, cache_seconds: float,
                 clients: dict | None = None):
        self.upstreams = dict(upstreams)
        self.own = gateway_document(issues_tokens, clients)
        self.cache_seconds = cache_seconds
        self._cached: tuple[bytes, float] | None = None
        self._lock = asyncio.Lock()

    async def document(self, session: aiohttp.ClientSession, identity_header: Callable[[str], str]) -> bytes:
        """The merged document as JSON bytes; `identity_header(service)` signs the fetch for each service."""
        async with self._lock:
            if self._cached is None or self._cached[1] <= time.monotonic():
                self._cached = await self._build(session, identity_header)
            return self._cached[0]

    async def _build(self, session: aiohttp.ClientSession, identity_header: Callable[[str], str]) -> tuple[bytes, float]:
        names = list(self.upstreams)
        fetched = await asyncio.gather(*(self._fetch(session, name, identity_header) for name in names))
        documents = dict(zip(names, fetched, strict=True))
        merged = merge_documents(documents, self.own)
        ttl = self.cache_seconds if all(documents.values()) else min(self.cache_seconds, INCOMPLETE_CACHE_SECONDS)
        return orjson.dumps(merged), time.monotonic() + ttl

    async def _fetch(self, session: aiohttp.ClientSession, service: str,
                     identity_header: Callable[[str], str]) -> dict | None:
        url = f"{self.upstreams[service]}/openapi.json"
        try:
            async with session.get(url, headers={IDENTITY_HEADER: identity_header(service)},
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
