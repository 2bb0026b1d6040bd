"""The merged OpenAPI document describes every delivery a partner may receive, with its payload schema."""

from __future__ import annotations

from deploy.openapi_export import merged_document
from partners.visibility import deliverable_types


def test_every_deliverable_type_is_a_webhook_with_its_payload_schema():
    document = merged_document()
    assert sorted(document["webhooks"]) == deliverable_types()
    body = document["webhooks"]["nz.govt.marketplace.offering.published.v1"]["post"]["requestBody"]
    schema_name = body["content"]["application/cloudevents+json"]["schema"]["$ref"].rsplit("/", 1)[1]
    data = document["components"]["schemas"][schema_name]["properties"]["data"]["$ref"].rsplit("/", 1)[1]
    offering = document["components"]["schemas"][data]["properties"]["offering"]["$ref"].rsplit("/", 1)[1]
    fields = set(document["components"]["schemas"][offering]["properties"])
    assert "status" in fields and "suspended_reason" not in fields
    assert "/api/v1/subscriptions" in document["paths"] and "/api/v1/events" in document["paths"]
