"""An offering's field lists: the request (OfferingBase, shared by create and update), the table, the API model
and the event contract's snapshot. They stay apart on purpose; the differences are named here, so adding a
field to one and not the others fails."""

from __future__ import annotations

from catalogue.offering.models import Offering, OfferingBase, OfferingCreate, OfferingPublic, OfferingUpdate
from events.catalogue import OfferingState

# Set by the catalogue, never sent by the supplier.
KEPT_BY_THE_CATALOGUE = {"id", "supplier_id", "status", "suspended_reason", "status_reason", "version", "created_at",
                         "updated_at"}
# Taken from the offering's accepted assurance assessment (catalogue.assurance), never sent by the supplier.
KEPT_FROM_THE_ASSESSMENT = {"risk_tier", "assessment_id", "impact_level", "commitments_addressed", "assurance_flag"}
KEPT_BY_THE_CATALOGUE |= KEPT_FROM_THE_ASSESSMENT
# Shown by the API but not carried by events: the reason text and the row's bookkeeping.
API_ONLY = {"status_reason", "version", "created_at", "updated_at"}
# Columns kept from data_residency, pricing and categories for search (catalogue.search.index).
SEARCH_COLUMNS = {"residency_region", "price_min_nzd", "price_max_nzd", "category_1", "category_2", "category_3"}


def fields(model) -> list[str]:
    return list(model.model_fields)


def test_create_and_update_take_the_same_fields():
    assert fields(OfferingCreate) == fields(OfferingUpdate) == fields(OfferingBase)
    assert all(not field.is_required() and field.default is None for field in OfferingUpdate.model_fields.values())


def test_the_api_shows_what_a_supplier_sends_and_what_the_catalogue_keeps():
    sent = fields(OfferingBase)
    assert [name for name in fields(OfferingPublic) if name not in KEPT_BY_THE_CATALOGUE] == sent
    assert set(fields(OfferingPublic)) == set(sent) | KEPT_BY_THE_CATALOGUE


def test_the_api_model_is_the_event_snapshot_and_its_bookkeeping():
    """Same names, same order and same types as the contract, plus the fields events leave out."""
    shared = [name for name in fields(OfferingPublic) if name not in API_ONLY]
    assert shared == fields(OfferingState)
    for name in shared:
        assert OfferingPublic.model_fields[name].annotation == OfferingState.model_fields[name].annotation, name


def test_the_table_stores_what_the_api_shows_and_the_search_columns():
    assert set(fields(Offering)) == set(fields(OfferingPublic)) | SEARCH_COLUMNS
