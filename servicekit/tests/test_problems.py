"""Every error leaves as RFC 9457 problem+json, naming what is wrong and hiding what the caller need not see."""

import pytest

from servicekit.identity import ANONYMOUS_IDENTITY
from servicekit.problems import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE, Problem, _field_path, validation_problem
from servicekit.testing import identity_headers
from servicekit.tests.support import BOB


@pytest.fixture
async def sample(start_sqlite_sample):
    return await start_sqlite_sample()


def fields(response) -> dict[str, str]:
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert body["status"] == response.status_code == 422
    assert body["type"] == PROBLEM_TYPE_BASE + "validation-error"
    return {e["field"]: e["message"] for e in body["errors"]}


async def test_wrong_type_names_the_field(sample):
    response = await sample.client.post("/api/v1/notes", json={"title": "t", "priority": "high"})
    errors = fields(response)
    assert list(errors) == ["priority"]
    assert "integer" in errors["priority"]
    assert "priority" in response.json()["detail"]


async def test_missing_field_is_named(sample):
    errors = fields(await sample.client.post("/api/v1/notes", json={"priority": 1}))
    assert list(errors) == ["title"]
    assert errors["title"] == "Field required"


async def test_extra_field_is_refused_when_the_model_forbids_it(sample):
    errors = fields(await sample.client.post("/api/v1/notes", json={"title": "t", "surprise": 1}))
    assert list(errors) == ["surprise"]
    assert "not permitted" in errors["surprise"]


async def test_body_that_is_not_json_is_reported_on_body(sample):
    response = await sample.client.post("/api/v1/notes", content=b'{"title": "t",',
                                        headers={"content-type": "application/json"})
    errors = fields(response)
    assert list(errors) == ["body"]
    assert errors["body"].startswith("the body is not valid JSON")


async def test_several_errors_are_all_listed(sample):
    errors = fields(await sample.client.post("/api/v1/notes", json={"priority": -1, "extra": True}))
    assert set(errors) == {"title", "priority", "extra"}


async def test_bad_query_parameter_is_named_with_its_location(sample):
    errors = fields(await sample.client.get("/api/v1/notes", params={"limit": 0}))
    assert list(errors) == ["query:limit"]


async def test_unknown_route_is_404_problem(sample):
    response = await sample.client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert body["type"] == PROBLEM_TYPE_BASE + "not-found"
    assert body["instance"] == "/api/v1/nothing-here"


async def test_wrong_method_is_405_problem_with_allow(sample):
    response = await sample.client.delete("/api/v1/notes")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert response.headers["allow"]


async def test_missing_resource_is_404_problem(sample):
    response = await sample.client.get("/api/v1/notes/no-such-note")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["detail"] == "note no-such-note does not exist"


async def test_unexpected_exception_is_500_problem_without_internals(sample, caplog):
    response = await sample.client.get("/api/v1/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert body["type"] == PROBLEM_TYPE_BASE + "internal-error"
    assert body["status"] == 500
    for leak in ("hunter2", "Traceback", "RuntimeError", "secrets.py"):
        assert leak not in response.text


async def test_role_check_answers_403_problem(sample):
    assert (await sample.client.get("/api/v1/admin-only")).json() == {"ok": True}
    forbidden = await sample.client.get("/api/v1/admin-only", headers=identity_headers(BOB, "sample"))
    assert forbidden.status_code == 403
    assert forbidden.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert "admin" in forbidden.json()["detail"]
    anonymous = await sample.client.get("/api/v1/admin-only", headers=identity_headers(ANONYMOUS_IDENTITY, "sample"))
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"


def test_problem_body_shape():
    problem = Problem(409, "taken", kind="conflict", current_etag='"3"')
    assert problem.body("/x") == {"type": PROBLEM_TYPE_BASE + "conflict", "title": "Conflict", "status": 409,
                                  "detail": "taken", "instance": "/x", "current_etag": '"3"'}
    assert Problem(428, "x").kind == "precondition-required"
    assert Problem(418, "x").kind == "im-a-teapot"


def test_field_paths():
    assert _field_path(("body", "contacts", 0, "email")) == "contacts.0.email"
    assert _field_path(("body",)) == "body"
    assert _field_path(("body", 12), "json_invalid") == "body"
    assert _field_path(("path", "note_id")) == "path:note_id"
    assert _field_path(("header", "if-match")) == "header:if-match"


def test_validation_summary_lists_at_most_five_fields():
    problem = validation_problem([{"field": f"f{i}", "message": "bad"} for i in range(8)])
    assert problem.detail.count("bad") == 5
    assert len(problem.extensions["errors"]) == 8
