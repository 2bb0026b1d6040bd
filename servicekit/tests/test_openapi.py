"""A service's OpenAPI document states the problem responses the toolkit gives on its behalf."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel

from servicekit.concurrency import check_if_match
from servicekit.openapi import PROBLEM_REF, install_problem_documentation
from servicekit.problems import PROBLEM_CONTENT_TYPE, install_problem_handlers


class Thing(BaseModel):
    name: str


def _app() -> FastAPI:
    router = APIRouter(prefix="/things")

    @router.get("")
    async def list_things() -> list[Thing]:
        return []

    @router.get("/{thing_id}")
    async def get_thing(thing_id: str) -> Thing:
        return Thing(name=thing_id)

    @router.post("", status_code=201, responses={404: {"description": "no owner has the owner_id"}})
    async def create_thing(thing: Thing) -> Thing:
        return thing

    @router.patch("/{thing_id}")
    async def update_thing(thing_id: str, thing: Thing, request: Request) -> Thing:
        check_if_match(request, 1)
        return thing

    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(router)
    install_problem_documentation(app)
    return app


@pytest.fixture(scope="module")
def document() -> dict:
    return _app().openapi()


def _problem(response: dict) -> bool:
    return response["content"] == {PROBLEM_CONTENT_TYPE: {"schema": PROBLEM_REF}}


def test_validation_errors_are_documented_as_the_problems_the_toolkit_sends(document):
    responses = document["paths"]["/things"]["post"]["responses"]
    assert _problem(responses["422"])
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert "errors" in document["components"]["schemas"]["Problem"]["properties"]


def test_each_operation_states_the_statuses_its_shape_can_give(document):
    paths = document["paths"]
    assert set(paths["/things"]["get"]["responses"]) == {"200"}
    assert set(paths["/things/{thing_id}"]["get"]["responses"]) == {"200", "400", "404", "422"}
    assert set(paths["/things"]["post"]["responses"]) == {"201", "400", "404", "409", "422"}
    assert set(paths["/things/{thing_id}"]["patch"]["responses"]) == {"200", "400", "404", "409", "412", "422",
                                                                       "428"}
    for status in ("400", "404", "409", "412", "428"):
        assert _problem(paths["/things/{thing_id}"]["patch"]["responses"][status])


def test_a_route_s_own_description_is_kept(document):
    declared = document["paths"]["/things"]["post"]["responses"]["404"]
    assert declared["description"] == "no owner has the owner_id" and _problem(declared)


def test_an_update_documents_the_if_match_header_it_requires(document):
    (if_match,) = [p for p in document["paths"]["/things/{thing_id}"]["patch"]["parameters"] if p["in"] == "header"]
    assert if_match["name"] == "If-Match" and if_match["required"] is True


async def test_the_documented_statuses_are_the_ones_answered():
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        without = await client.patch("/things/a", json={"name": "b"})
        stale = await client.patch("/things/a", json={"name": "b"}, headers={"If-Match": '"7"'})
        malformed = await client.post("/things", content=b"\xff{", headers={"Content-Type": "application/json"})
    assert (without.status_code, stale.status_code) == (428, 412)
    assert malformed.status_code in (400, 422)
    assert all(r.headers["content-type"] == PROBLEM_CONTENT_TYPE for r in (without, stale, malformed))
