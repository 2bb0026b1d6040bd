"""The whole public registry as a dataset, streamed a batch at a time (JSON array or CSV)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from hub.registry.models import public
from hub.registry.repository import listed_in_batches
from servicekit.db import Database
from servicekit.spreadsheet import csv_rows, json_array

CSV_COLUMNS = ["id", "type", "source_type", "name", "summary", "category", "categories", "supplier_id",
               "supplier_name", "agency",
               "risk_level", "phase", "status", "link", "source_id", "source_version", "first_listed_at",
               "source_changed_at", "version", "updated_at"]


async def _documents(database: Database) -> AsyncIterator[list[dict]]:
    async for batch in listed_in_batches(database):
        yield [public(entry).model_dump(mode="json") for entry in batch]


async def _rows(database: Database) -> AsyncIterator[list[list]]:
    async for batch in _documents(database):
        yield [[document[column] for column in CSV_COLUMNS] for document in batch]


def as_json(database: Database) -> AsyncIterator[bytes]:
    """A JSON array of every listed entry."""
    return json_array(_documents(database))


def as_csv(database: Database) -> AsyncIterator[bytes]:
    """A header row, then one row per listed entry."""
    return csv_rows(CSV_COLUMNS, _rows(database))
