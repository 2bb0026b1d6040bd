"""The whole public registry as a dataset, streamed a batch at a time (JSON array or CSV)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

import orjson

from hub.registry.models import public
from hub.registry.repository import listed_in_batches
from servicekit.db import Database
from servicekit.spreadsheet import safe_cell

CSV_COLUMNS = ["id", "type", "source_type", "name", "summary", "category", "categories", "supplier_id",
               "supplier_name", "agency",
               "risk_level", "phase", "status", "link", "source_id", "source_version", "first_listed_at",
               "source_changed_at", "version", "updated_at"]


async def as_json(database: Database) -> AsyncIterator[bytes]:
    """A JSON array of every listed entry."""
    yield b"["
    first = True
    async for batch in listed_in_batches(database):
        chunk = b",".join(orjson.dumps(public(entry).model_dump(mode="json")) for entry in batch)
        yield chunk if first else b"," + chunk
        first = False
    yield b"]"


async def as_csv(database: Database) -> AsyncIterator[bytes]:
    """A header row, then one row per listed entry."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield buffer.getvalue().encode()
    async for batch in listed_in_batches(database):
        buffer.seek(0)
        buffer.truncate()
        for entry in batch:
            document = public(entry).model_dump(mode="json")
            writer.writerow([safe_cell(document[column]) for column in CSV_COLUMNS])
        yield buffer.getvalue().encode()
