"""The merged OpenAPI document and the docs page."""

from __future__ import annotations

from openapi_spec_validator import validate

from gateway.openapi import gateway_document, merge_documents
from gateway.tests.support import service_document


async def test_merged_document_leaves_out_services_that_are_down(live):
    response = await live.client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    assert document["x-unavailable-services"] == ["accreditation", "assurance", "training"]
    assert {"/api/v1/suppliers", "/api/v1/offerings", "/api/v1/registry", "/api/v1/auth/token",
            "/api/v1/auth/jwks.json"} <= set(document["paths"])
    # A service's own paths the gateway does not route are not advertised.
    assert "/healthz" not in document["paths"]
    # The identity header is the gateway's business; callers are not told to send it.
    parameters = document["paths"]["/api/v1/suppliers"]["get"]["parameters"]
    assert [p["name"] for p in parameters] == ["page"]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert {"suppliers", "catalogue", "hub", "auth"} <= {tag["name"] for tag in document["tags"]}
    validate(document)


async def test_colliding_components_are_renamed_and_refs_follow(live):
    document = (await live.client.get("/api/v1/openapi.json")).json()
    schemas = document["components"]["schemas"]
    # suppliers and hub publish the same Problem; catalogue's differs and is renamed.
    assert set(schemas["Problem"]["properties"]) == {"type", "title"}
    assert set(schemas["CatalogueProblem"]["properties"]) == {"type", "title", "errors"}
    assert "Money" in schemas and "CatalogueMoney" not in schemas
    offerings = document["paths"]["/api/v1/offerings"]["get"]["responses"]
    assert offerings["404"]["content"]["application/problem+json"]["schema"]["$ref"] == \
        "#/components/schemas/CatalogueProblem"
    # Page refers to the renamed Problem, so catalogue's Page is a different schema too.
    assert offerings["200"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/CataloguePage"
    assert schemas["CataloguePage"]["properties"]["error"]["$ref"] == "#/components/schemas/CatalogueProblem"
    suppliers = document["paths"]["/api/v1/suppliers"]["get"]["responses"]
    assert suppliers["404"]["content"]["application/problem+json"]["schema"]["$ref"] == "#/components/schemas/Problem"


def test_merge_with_everything_down_is_still_a_document():
    document = merge_documents({"suppliers": None, "hub": None}, gateway_document(issues_tokens=False))
    assert document["x-unavailable-services"] == ["hub", "suppliers"]
    assert document["paths"] == {} and "bearerAuth" in document["components"]["securitySchemes"]


def test_merge_keeps_only_routed_paths_of_each_service():
    documents = {"suppliers": service_document("suppliers", "offerings", ["type"])}
    document = merge_documents(documents, gateway_document(issues_tokens=True))
    assert "/api/v1/offerings" not in document["paths"]


async def test_docs_page_points_at_the_merged_document(live):
    response = await live.client.get("/api/v1/docs")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "/api/v1/openapi.json" in response.text
