"""The catalogue's OpenAPI document states the rules its offering models enforce across fields."""

from __future__ import annotations

import pytest

from catalogue.main import build
from catalogue.certification.models import RecordReview
from catalogue.offering.models import AssuranceRecordIn, DataResidencyIn, MaoriDataIn, OfferingUpdate
from catalogue.settings import CatalogueSettings
from servicekit.testing import documented_verdicts


@pytest.fixture(scope="module")
def document() -> dict:
    return build(CatalogueSettings(environment="development")).openapi()


def _agree(verdicts) -> list[bool]:
    assert [documented for documented, _ in verdicts] == [enforced for _, enforced in verdicts]
    return [enforced for _, enforced in verdicts]


def test_a_country_is_given_when_and_only_when_the_region_is_other(document):
    bodies = [{"region": "new_zealand"}, {"region": "other", "country": "AU"}, {"region": "other"},
              {"region": "other", "country": None}, {"region": "new_zealand", "country": "AU"}]
    assert _agree(documented_verdicts(document, "DataResidencyIn", DataResidencyIn, bodies)) == [
        True, True, False, False, False]


def test_governance_is_stated_unless_no_maori_data_is_involved(document):
    bodies = [{"involves": "no"}, {"involves": "yes", "governance": "iwi data board"}, {"involves": "yes"},
              {"involves": "unsure", "governance": None}]
    assert _agree(documented_verdicts(document, "MaoriDataIn", MaoriDataIn, bodies)) == [True, True, False, False]


def test_an_offering_names_each_category_once(document):
    bodies = [{"categories": ["ai.translation"]}, {"categories": ["ai.translation", "ai.translation"]}]
    assert _agree(documented_verdicts(document, "OfferingUpdate", OfferingUpdate, bodies)) == [True, False]


def test_a_third_party_certificate_names_its_accrediting_body(document):
    record = {"standard": "iso_iec_42001", "issuer": "BSI", "issued_on": "2026-01-01", "expires_on": "2029-01-01"}
    bodies = [record | {"evidence_type": "self_assessment"},
              record | {"evidence_type": "third_party_certificate", "accrediting_body": "JAS-ANZ"},
              record | {"evidence_type": "third_party_certificate"},
              record | {"evidence_type": "third_party_certificate", "accrediting_body": None}]
    assert _agree(documented_verdicts(document, "AssuranceRecordIn", AssuranceRecordIn, bodies)) == [
        True, True, False, False]


def test_a_review_gives_a_note_unless_it_verifies(document):
    bodies = [{"verification": "verified"}, {"verification": "rejected", "note": "not in the register"},
              {"verification": "rejected"}, {"verification": "unverified", "note": None}]
    assert _agree(documented_verdicts(document, "RecordReview", RecordReview, bodies)) == [True, True, False, False]
