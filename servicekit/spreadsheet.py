"""Streamed exports: a JSON array or CSV written a batch at a time, with cells a spreadsheet shows as they are
and never runs as formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import orjson

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The cell text (None empty, a list joined with ';'), with a leading apostrophe when a spreadsheet would
    run it as a formula."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = ";".join(str(v) for v in value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


async def json_array(batches: AsyncIterator[list[Any]]) -> AsyncIterator[bytes]:
    """A JSON array of every item of every batch, one chunk per batch."""
    yield b"["
    first = True
    async for batch in batches:
        if not batch:
            continue
        chunk = b",".join(orjson.dumps(item) for item in batch)
        yield chunk if first else b"," + chunk
        first = False
    yield b"]"


async def csv_rows(header: list[str], batches: AsyncIterator[list[list[Any]]]) -> AsyncIterator[bytes]:
    """A header row, then every row of every batch (each cell through `safe_cell`), one chunk per batch."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield buffer.getvalue().encode()
    async for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([safe_cell(cell) for cell in row] for row in batch)
        yield buffer.getvalue().encode()
