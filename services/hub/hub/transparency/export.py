"""Every transparency record as a dataset in ATRS column order: CSV, and JSON objects with the same keys in
the same order. A list of objects (assessments, risks, offerings) is one cell in CSV, "a; b" per item."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
from sqlalchemy import select

from hub.transparency import service
from hub.transparency.models import TransparencyRecord
from hub.usecase.models import UseCase
from servicekit.db import Database
from servicekit.spreadsheet import csv_rows, json_array

EXPORT_BATCH = 200

# (column, where it is in the public record), in the order of the ATRS template: tier 1, then tier 2 by
# section (1 owner and responsibility, 2 description and rationale, 3 decision-making process, 4 data,
# Māori data governance, 5 risks, mitigations and impact assessments), then the marketplace and the EU AI Act.
COLUMNS: list[tuple[str, str]] = [
    ("name", "tier1.name"),
    ("description", "tier1.description"),
    ("website", "tier1.website_url"),
    ("contact_email", "tier1.contact_email"),
    ("organisation", "tier2.owner.organisation"),
    ("team", "tier2.owner.team"),
    ("senior_responsible_owner", "tier2.owner.senior_responsible_owner"),
    ("external_supplier", "tier2.marketplace.supplier_name"),
    ("external_supplier_role", "tier2.owner.external_supplier_role"),
    ("supplier_data_access_terms", "tier2.owner.supplier_data_access_terms"),
    ("detailed_description", "tier2.description.detailed_description"),
    ("scope", "tier2.description.scope"),
    ("benefit", "tier2.description.benefit"),
    ("alternatives_considered", "tier2.description.alternatives_considered"),
    ("phase", "tier1.phase"),
    ("maintenance", "tier2.description.maintenance"),
    ("models", "tier2.description.models"),
    ("process_integration", "tier2.decision_making.process_integration"),
    ("provided_information", "tier2.decision_making.provided_information"),
    ("frequency_and_scale", "tier2.decision_making.frequency_and_scale"),
    ("human_decisions_and_review", "tier2.decision_making.human_decisions_and_review"),
    ("human_oversight", "tier2.decision_making.human_oversight"),
    ("required_training", "tier2.decision_making.required_training"),
    ("appeals_and_review", "tier2.decision_making.appeals_and_review"),
    ("model_type", "tier2.data.model_type"),
    ("source_data_name", "tier2.data.source_data_name"),
    ("data_modality", "tier2.data.data_modality"),
    ("data_description", "tier2.data.data_description"),
    ("data_quantities", "tier2.data.data_quantities"),
    ("sensitive_attributes", "tier2.data.sensitive_attributes"),
    ("completeness_and_representativeness", "tier2.data.completeness_and_representativeness"),
    ("source_data_url", "tier2.data.source_data_url"),
    ("data_collection", "tier2.data.data_collection"),
    ("data_cleaning", "tier2.data.data_cleaning"),
    ("data_sharing_agreements", "tier2.data.data_sharing_agreements"),
    ("data_access_and_storage", "tier2.data.data_access_and_storage"),
    ("maori_data_involved", "tier2.maori_data_governance.involves"),
    ("maori_data_status", "tier2.maori_data_governance.data_status"),
    ("iwi_engagement", "tier2.maori_data_governance.iwi_engagement"),
    ("maori_data_governance", "tier2.maori_data_governance.governance"),
    ("maori_data_arrangements", "tier2.maori_data_governance.arrangements"),
    ("benefit_to_maori", "tier2.maori_data_governance.benefit_to_maori"),
    ("privacy_impact_assessment", "tier2.impact_assessments.status.privacy"),
    ("algorithm_impact_assessment", "tier2.impact_assessments.status.algorithm"),
    ("impact_assessments", "tier2.impact_assessments.completed"),
    ("risks", "tier2.risks"),
    ("marketplace_offerings", "tier2.marketplace.offering_name"),
    ("eu_ai_act_risk_class", "eu_ai_act.risk_class"),
    ("eu_registration", "eu_ai_act.annex_viii"),
    ("use_case_id", "use_case_id"),
    ("risk_level", "risk_level"),
    ("version", "version"),
    ("updated_at", "updated_at"),
]
CSV_COLUMNS = [column for column, _ in COLUMNS]
# How an object of a list reads in one CSV cell.
ITEM_FIELDS = {"impact_assessments": ("name", "completed_on"), "risks": ("name", "mitigation")}


def _at(document: Any, path: str) -> Any:
    """The value at a dotted path; through a list, the values of each item."""
    for part in path.split("."):
        if document is None:
            return None
        if isinstance(document, list):
            return [item.get(part) for item in document]
        document = document.get(part)
    return document


def row(document: dict[str, Any]) -> dict[str, Any]:
    """One record as ATRS columns, in order."""
    return {column: _at(document, path) for column, path in COLUMNS}


def _cell(column: str, value: Any) -> Any:
    """A value as one CSV cell reads it: a list of objects item by item, an object as JSON."""
    if isinstance(value, list) and column in ITEM_FIELDS:
        return [" — ".join(str(item[name]) for name in ITEM_FIELDS[column]) for item in value]
    if isinstance(value, dict):
        return orjson.dumps(value).decode()
    return value


async def _in_batches(database: Database) -> AsyncIterator[list[dict[str, Any]]]:
    """Every record with its use case, by use case id, a batch per short read transaction."""
    after = ""
    while True:
        async with database.sessions() as session:
            pairs = (await session.execute(
                select(TransparencyRecord, UseCase).join(UseCase, UseCase.id == TransparencyRecord.use_case_id)
                .where(TransparencyRecord.use_case_id > after).order_by(TransparencyRecord.use_case_id)
                .limit(EXPORT_BATCH))).all()
            documents = [(await service.public(session, record, use_case)).model_dump(mode="json")
                         for record, use_case in pairs]
        if not documents:
            return
        yield documents
        if len(documents) < EXPORT_BATCH:
            return
        after = documents[-1]["use_case_id"]


async def _rows(database: Database) -> AsyncIterator[list[list[Any]]]:
    async for batch in _in_batches(database):
        yield [[_cell(column, value) for column, value in row(document).items()] for document in batch]


async def _json_rows(database: Database) -> AsyncIterator[list[dict[str, Any]]]:
    async for batch in _in_batches(database):
        yield [row(document) for document in batch]


def as_json(database: Database) -> AsyncIterator[bytes]:
    """A JSON array of every record, each an object of the ATRS columns in order."""
    return json_array(_json_rows(database))


def as_csv(database: Database) -> AsyncIterator[bytes]:
    """A header row of the ATRS columns, then one row per record."""
    return csv_rows(CSV_COLUMNS, _rows(database))
