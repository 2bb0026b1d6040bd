"""Each service's projections of another service's aggregates: built on the toolkit's column base classes,
filled from the snapshot the event carries, shown by the service's API. One field list each; where two
lists stay apart on purpose, these tests name the difference and fail when the lists drift."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel
from sqlmodel import SQLModel

from accreditation.supplier.models import SupplierKnown
from accreditation.supplier.models import SupplierProjection as AccreditationSupplier
from catalogue.supplier.models import AgreementEligibility, AgreementProjection, SupplierEligibility
from catalogue.supplier.models import SupplierProjection as CatalogueSupplier
from events.accreditation import AccreditationState
from events.suppliers import AgreementState, SupplierState
from servicekit.db import Database
from servicekit.migrations import schema_drift, upgrade_to_head
from servicekit.projection import ProjectionColumns, copied_columns
from training.supplier.models import AccreditationProjection
from training.supplier.models import SupplierProjection as TrainingSupplier

# Each projection and the snapshot it copies.
SNAPSHOTS: dict[type[ProjectionColumns], type[BaseModel]] = {
    CatalogueSupplier: SupplierState, AgreementProjection: AgreementState,
    AccreditationSupplier: SupplierState,
    TrainingSupplier: SupplierState, AccreditationProjection: AccreditationState,
}
SERVICES = {"catalogue": {CatalogueSupplier, AgreementProjection}, "accreditation": {AccreditationSupplier},
            "training": {TrainingSupplier, AccreditationProjection}}

# What an API model shows of a projection: (API model, projection, columns it leaves out, fields it adds).
SHOWN = [
    (SupplierKnown, AccreditationSupplier, set(), set()),
    (SupplierEligibility, CatalogueSupplier, set(), set()),
    # An agreement is shown under its supplier, and whether it counts today is worked out when asked.
    (AgreementEligibility, AgreementProjection, {"supplier_id", "applied_at"}, {"in_force"}),
]


def migrations_of(service: str) -> Path:
    return Path(__file__).parents[1] / "services" / service / service / "migrations"


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_projection_models_match_the_migrated_tables(database_urls, service):
    database = Database(await database_urls(service))
    try:
        await upgrade_to_head(database, migrations_of(service))
        tables = {model.__tablename__ for model in SERVICES[service]}
        assert await schema_drift(database, SQLModel.metadata, tables) == []
    finally:
        await database.dispose()


@pytest.mark.parametrize("projection", list(SNAPSHOTS), ids=lambda model: model.__tablename__)
def test_every_copied_column_is_in_the_snapshot(projection):
    """keep_snapshot copies the columns a projection declares; a column the event does not carry would stay
    empty."""
    assert copied_columns(projection) <= set(SNAPSHOTS[projection].model_fields)


@pytest.mark.parametrize(("shown", "projection", "left_out", "added"), SHOWN, ids=[row[0].__name__ for row in SHOWN])
def test_the_api_shows_what_the_projection_keeps(shown, projection, left_out, added):
    assert set(shown.model_fields) == set(projection.model_fields) - left_out | added
