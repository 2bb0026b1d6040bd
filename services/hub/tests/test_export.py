"""The streamed exports read the registry a batch at a time and leave nothing a spreadsheet would run."""

import csv
import io
from datetime import datetime, timezone

import orjson

from hub.registry import entries, export, repository

AT = datetime(2026, 11, 27, tzinfo=timezone.utc)


def content(number: int, *, listed: bool = True, name: str | None = None) -> dict:
    return {"id": f"course:c-{number}", "type": "course", "source_type": "course", "source_id": f"c-{number}",
            "source_version": 1, "link": f"/api/v1/courses/c-{number}", "name": name or f"Course {number}",
            "summary": "s",
            "status": "published" if listed else "withdrawn", "listed": listed, "source_changed_at": AT,
            "categories": ["responsible_ai_assurance"], "category": "ai.training"}


async def test_exports_stream_every_listed_entry_in_batches(database, monkeypatch):
    async with database.transaction() as session:
        for number in range(7):
            await entries.write(session, content(number, listed=number != 3), at=AT)
        await entries.write(session, content(9, name="-2+3"), at=AT)
    batches = [[e.id for e in batch] async for batch in repository.listed_in_batches(database, batch=3)]
    assert [len(b) for b in batches] == [3, 3, 1]
    assert sum(batches, []) == sorted(f"course:c-{n}" for n in (0, 1, 2, 4, 5, 6, 9))

    monkeypatch.setattr(repository, "EXPORT_BATCH", 3)
    as_json = orjson.loads(b"".join([chunk async for chunk in export.as_json(database)]))
    rows = list(csv.DictReader(io.StringIO(b"".join([c async for c in export.as_csv(database)]).decode())))
    assert [d["id"] for d in as_json] == [r["id"] for r in rows] == sum(batches, [])
    assert rows[-1]["name"] == "'-2+3" and rows[0]["categories"] == "responsible_ai_assurance"

