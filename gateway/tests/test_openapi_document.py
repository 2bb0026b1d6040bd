"""The merged OpenAPI document over the real services, built in-process: complete enough to lint clean."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from gateway.access import OPERATION_ROLES, PUBLIC, SIGNED_IN, roles_for
from gateway.openapi import GATEWAY_RESPONSES
from deploy.openapi_export import api_routes, merged_document, service_apps
from gateway.routes import API_PREFIX, ROUTES

OPERATIONS = ("get", "put", "post", "delete", "patch")


@pytest.fixture(scope="module")
def apps(monkeypatch_module):
    monkeypatch_module.setenv("ENVIRONMENT", "development")
    return service_apps()


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module")
def document(apps) -> dict:
    return merged_document(apps)


def forwarded_operations(document: dict):
    for path, item in document["paths"].items():
        if path.startswith(f"{API_PREFIX}auth/"):
            continue
        for method in OPERATIONS:
            if method in item:
                yield method, path, item[method]


def test_the_document_is_valid_openapi(document):
    validate(document)


def test_the_document_says_where_it_is_served_and_under_what_terms(document):
    assert document["servers"] and all(server["url"] for server in document["servers"])
    info = document["info"]
    assert info["license"]["name"] and (info["license"].get("identifier") or info["license"].get("url"))
    assert info["contact"]
    assert "clientCredentials" not in document["components"]["securitySchemes"]


def test_every_service_has_a_tag_and_every_operation_one_of_the_declared_tags(document):
    declared = {tag["name"] for tag in document["tags"]}
    assert set(ROUTES.values()) | {"auth"} <= declared
    for item in document["paths"].values():
        for method in OPERATIONS:
            if method in item:
                assert set(item[method]["tags"]) <= declared


def test_each_operation_states_its_own_security(document):
    seen = set()
    for method, path, operation in forwarded_operations(document):
        roles = roles_for(method, path)
        seen.add(roles == PUBLIC)
        if roles == PUBLIC:
            assert operation["security"] == [{}, {"bearerAuth": []}], (method, path)
        else:
            assert operation["security"] == [{"bearerAuth": []}], (method, path)
    assert seen == {True, False}
    assert document["paths"][f"{API_PREFIX}auth/jwks.json"]["get"]["security"] == []


def test_every_forwarded_operation_declares_what_the_gateway_can_answer(document):
    for method, path, operation in forwarded_operations(document):
        responses = operation["responses"]
        assert set(GATEWAY_RESPONSES) <= set(responses), (method, path)
        assert ("403" in responses) == (roles_for(method, path) != PUBLIC), (method, path)
    limited = document["paths"][f"{API_PREFIX}registry/rebuild"]["post"]["responses"]
    assert limited["429"] == {"$ref": "#/components/responses/GatewayTooManyRequests"}
    assert limited["403"]["description"] == "the token does not carry the role admin"
    too_many = document["components"]["responses"]["GatewayTooManyRequests"]
    assert "Retry-After" in too_many["headers"]
    assert too_many["content"]["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/GatewayProblem"}


def _required_roles(dependant, found: list) -> list:
    # servicekit.api.require_roles makes a `check` closure over the roles it admits.
    call = dependant.call
    if call is not None and call.__qualname__.startswith("require_roles."):
        found.append(tuple(sorted(dict(zip(call.__code__.co_freevars, call.__closure__, strict=True))["roles"]
                                  .cell_contents)))
    for sub in dependant.dependencies:
        _required_roles(sub, found)
    return found


def test_the_access_table_is_what_the_services_enforce(apps):
    enforced = {}
    for app in apps.values():
        for route in api_routes(app):
            if route.path.startswith(API_PREFIX):
                (roles,) = _required_roles(route.dependant, []) or [PUBLIC]
                enforced |= {(method, route.path): roles for method in route.methods}
    assert enforced, "no routes found: has FastAPI changed how included routers are kept?"
    documented = {operation: roles_for(*operation) for operation in enforced}
    assert documented == enforced
    # Nothing listed that no service has any more.
    assert set(OPERATION_ROLES) <= set(enforced)
    assert SIGNED_IN in enforced.values()


CREATES = {"suppliers", "agreements", "categories", "offerings", "shortlists", "accreditation/applications",
           "courses", "courses/{course_id}/sessions", "sessions/{session_id}/registrations", "registry/use-cases",
           "registry/surveys/{year}", "subscriptions", "clients", "assurance/questionnaires",
           "assurance/assessments"}


def test_each_create_links_to_every_operation_on_what_it_created(document):
    paths, operation_ids = document["paths"], {}
    for path, item in paths.items():
        for method in OPERATIONS:
            if method in item:
                operation_ids[item[method]["operationId"]] = (method, path)
    linked = set()
    for path, item in paths.items():
        created = item.get("post", {}).get("responses", {}).get("201")
        if created is None:
            continue
        linked.add(path.removeprefix(API_PREFIX))
        for name, link in created["links"].items():
            method, target = operation_ids[link["operationId"]]
            path_parameters = {segment[1:-1] for segment in target.split("/") if segment.startswith("{")}
            named = {key for key in link["parameters"] if not key.startswith("header.")}
            # The new resource's key from the body, the keys the create's path had from its request.
            assert named <= path_parameters and named, (path, name)
            assert sum(value.startswith("$response.body#/") for value in link["parameters"].values()) == 1
            if method == "patch":
                assert link["parameters"]["header.If-Match"] == "$response.header.ETag"
        reads = {operation_ids[link["operationId"]][0] for link in created["links"].values()}
        assert "get" in reads, path
    assert linked == CREATES
    supplier_links = {operation_ids[link["operationId"]] for link in
                      paths[f"{API_PREFIX}suppliers"]["post"]["responses"]["201"]["links"].values()}
    assert supplier_links == {("get", f"{API_PREFIX}suppliers/{{supplier_id}}"),
                              ("patch", f"{API_PREFIX}suppliers/{{supplier_id}}"),
                              ("get", f"{API_PREFIX}suppliers/{{supplier_id}}/history"),
                              ("get", f"{API_PREFIX}suppliers/{{supplier_id}}/profile"),
                              ("post", f"{API_PREFIX}suppliers/{{supplier_id}}/credentials/rotate"),
                              ("post", f"{API_PREFIX}suppliers/{{supplier_id}}/{{action}}")}
    session_links = paths[f"{API_PREFIX}courses/{{course_id}}/sessions"]["post"]["responses"]["201"]["links"]
    assert {operation_ids[link["operationId"]][1] for link in session_links.values()} >= {
        f"{API_PREFIX}sessions/{{session_id}}", f"{API_PREFIX}sessions/{{session_id}}/registrations"}
