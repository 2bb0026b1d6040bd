"""The suppliers service's OpenAPI document states the rules its request models enforce across fields."""

from __future__ import annotations

import pytest

from servicekit.testing import documented_verdicts
from suppliers.agreement.models import AgreementCreate, Variation
from suppliers.main import build
from suppliers.settings import SuppliersSettings
from suppliers.supplier.models import SupplierCreate
from testsupport.helpers import nzbn, offer_body, supplier_body

CONTACTS = supplier_body()["contacts"]
SUPPLIER = {"legal_name": "Kauri Analytics Limited", "size": "small", "contacts": CONTACTS}
AGREEMENT = {"supplier_id": "s-1", "type": "marketplace", "terms_version": "2026.1", "scope": ["ai.translation"],
             "start_date": "2026-01-01", "end_date": "2027-01-01"}
VARIATION = {"effective_date": "2026-06-01", "reason": "more scope"}


@pytest.fixture(scope="module")
def document() -> dict:
    return build(SuppliersSettings(environment="development")).openapi()


def test_a_supplier_is_identified_by_an_nzbn_or_an_overseas_registration_never_both(document):
    bodies = [SUPPLIER | {"nzbn": nzbn()}, SUPPLIER | {"country": "AU", "registration_id": "ACN 000"},
              SUPPLIER, SUPPLIER | {"nzbn": nzbn(), "country": "AU", "registration_id": "ACN 000"},
              SUPPLIER | {"nzbn": nzbn(), "registration_id": "ACN 000"}, SUPPLIER | {"country": "AU"},
              SUPPLIER | {"country": "NZ", "registration_id": "123"}, SUPPLIER | {"nzbn": None, "country": None}]
    verdicts = documented_verdicts(document, "SupplierCreate", SupplierCreate, bodies)
    assert [documented for documented, _ in verdicts] == [enforced for _, enforced in verdicts]
    assert [enforced for _, enforced in verdicts] == [True, True, False, False, False, False, False, False]


def test_an_agreement_s_scope_and_a_partnership_s_commitments_are_documented(document):
    bodies = [AGREEMENT, AGREEMENT | {"scope": ["ai.translation", "ai.translation"]},
              AGREEMENT | {"type": "strategic_partnership"},
              AGREEMENT | {"type": "strategic_partnership", "commitments": None},
              AGREEMENT | {"type": "strategic_partnership", "commitments": {"training_places": 5}}]
    verdicts = documented_verdicts(document, "AgreementCreate", AgreementCreate, bodies)
    assert [documented for documented, _ in verdicts] == [enforced for _, enforced in verdicts]
    assert [enforced for _, enforced in verdicts] == [True, False, False, False, True]


def test_a_variation_changes_at_least_one_term(document):
    bodies = [VARIATION, VARIATION | {"scope": None, "end_date": None}, VARIATION | {"end_date": "2028-01-01"},
              VARIATION | {"scope": ["ai.translation"]}, VARIATION | {"commitments": {"training_places": 1}}]
    verdicts = documented_verdicts(document, "Variation", Variation, bodies)
    assert [documented for documented, _ in verdicts] == [enforced for _, enforced in verdicts]
    assert [enforced for _, enforced in verdicts] == [False, False, True, True, True]


async def test_offering_an_agreement_to_an_unknown_supplier_is_a_documented_404(document, stack):
    # Found by schemathesis: the 404 was answered but not documented.
    response = await stack.client.post("/api/v1/agreements", json=offer_body(stack, "no-such-supplier"),
                                       headers=await stack.as_role("admin"))
    assert response.status_code == 404
    responses = document["paths"]["/api/v1/agreements"]["post"]["responses"]
    assert responses["404"]["content"] == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def test_an_update_documents_which_fields_may_be_cleared(document):
    properties = document["components"]["schemas"]["SupplierUpdate"]["properties"]
    nullable = {name for name, schema in properties.items() if {"type": "null"} in schema.get("anyOf", [])}
    assert nullable == {"trading_name", "website"}
