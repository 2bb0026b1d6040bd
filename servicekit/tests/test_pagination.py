"""Keyset pagination: every row once, in order, even while rows come and go between page reads."""

import base64
import random
from datetime import datetime, timedelta, timezone

import orjson
import pytest
from sqlalchemy import delete, select

from servicekit.problems import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE
from servicekit.tests.sample.models import SampleNote
from servicekit.tests.sample.routes import ORDERS

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


@pytest.fixture
async def sample(start_sample):
    return await start_sample()


def new_note(rng: random.Random, n: int) -> SampleNote:
    # Few distinct priorities and times, so most rows tie on the first key and the id decides.
    moment = START + timedelta(minutes=rng.randrange(4), microseconds=rng.choice([0, 250_000]))
    return SampleNote(title=f"note {n}", priority=rng.randrange(5), created_at=moment, updated_at=moment)


async def insert(sample, notes: list[SampleNote]) -> list[str]:
    async with sample.database.transaction() as session:
        session.add_all(notes)
    return [n.id for n in notes]


async def remove(sample, ids: list[str]) -> None:
    async with sample.database.transaction() as session:
        await session.execute(delete(SampleNote).where(SampleNote.id.in_(ids)))


async def ordered_ids(sample, order: str) -> list[str]:
    """The whole list in one query, as the database orders it."""
    async with sample.database.sessions() as session:
        return list((await session.execute(select(SampleNote.id).order_by(*ORDERS[order]))).scalars())


async def page(sample, order: str, cursor: str | None, limit: int) -> dict:
    params = {"order": order, "limit": limit} | ({"cursor": cursor} if cursor else {})
    response = await sample.client.get("/api/v1/notes", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def key(note: dict, order: str) -> tuple:
    field = "priority" if order.endswith("priority") else "created_at"
    value = note[field] if field == "priority" else datetime.fromisoformat(note[field]).replace(tzinfo=None)
    return value, note["id"]


@pytest.mark.parametrize("order", ["priority", "-priority", "created", "-created"])
async def test_pages_cover_every_row_once_in_order(sample, order):
    rng = random.Random(7)
    await insert(sample, [new_note(rng, n) for n in range(53)])
    seen, cursor, pages = [], None, 0
    while True:
        body = await page(sample, order, cursor, limit=6)
        seen.extend(n["id"] for n in body["data"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 9
    assert seen == await ordered_ids(sample, order)


async def test_last_full_page_has_no_next_cursor(sample):
    rng = random.Random(3)
    await insert(sample, [new_note(rng, n) for n in range(10)])
    first = await page(sample, "priority", None, limit=5)
    assert first["next_cursor"]
    second = await page(sample, "priority", first["next_cursor"], limit=5)
    assert len(second["data"]) == 5
    assert second["next_cursor"] is None


@pytest.mark.parametrize("order", ["priority", "-created"])
async def test_no_duplicates_or_gaps_while_rows_are_inserted_and_deleted(sample, order):
    rng = random.Random(11)
    initial = await insert(sample, [new_note(rng, n) for n in range(40)])
    deleted: set[str] = set()
    inserted: list[str] = []
    walk: list[dict] = []
    cursor, n = None, 1000
    while True:
        body = await page(sample, order, cursor, limit=5)
        walk.extend(body["data"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
        # Between page reads: new rows anywhere in the order, and rows removed both behind and ahead.
        inserted += await insert(sample, [new_note(rng, n + i) for i in range(3)])
        n += 3
        alive = [i for i in initial + inserted if i not in deleted]
        doomed = rng.sample(alive, 2)
        await remove(sample, doomed)
        deleted.update(doomed)

    seen = [note["id"] for note in walk]
    assert len(seen) == len(set(seen)), "a row was served twice"
    survivors = set(initial) - deleted
    assert survivors <= set(seen), f"rows present throughout were skipped: {survivors - set(seen)}"
    keys = [key(note, order) for note in walk]
    assert keys == sorted(keys, reverse=order.startswith("-")), "the walk left the ordering"


BAD_CURSORS = {
    "garbage": "not a cursor!",
    "not-json": base64.urlsafe_b64encode(b"not json").decode(),
    "not-a-list": base64.urlsafe_b64encode(orjson.dumps({"priority": 1})).decode(),
    "too-short": base64.urlsafe_b64encode(orjson.dumps([1])).decode(),
    "too-long": base64.urlsafe_b64encode(orjson.dumps([1, "a", "b"])).decode(),
}
# Well-formed cursors whose values do not fit the columns: they must not reach the database.
WRONG_TYPES = {
    "bad-date": ("created", ["yesterday", "id"]),
    "number-for-date": ("created", [12, "id"]),
    "text-for-number": ("priority", ["high", "id"]),
    "object-for-number": ("priority", [{"a": 1}, "id"]),
    "list-for-id": ("priority", [1, ["id"]]),
    "number-for-id": ("priority", [1, 5]),
}


async def test_invalid_cursor_is_400_problem(start_sqlite_sample):
    sample = await start_sqlite_sample()
    for name, cursor in BAD_CURSORS.items():
        response = await sample.client.get("/api/v1/notes", params={"cursor": cursor})
        assert response.status_code == 400, name
        assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
        assert response.json()["type"] == PROBLEM_TYPE_BASE + "invalid-cursor"


async def test_cursor_with_values_of_the_wrong_type_is_400_problem(sample):
    await insert(sample, [new_note(random.Random(1), 1)])
    for name, (order, values) in WRONG_TYPES.items():
        cursor = base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")
        response = await sample.client.get("/api/v1/notes", params={"cursor": cursor, "order": order})
        assert response.status_code == 400, f"{name}: {response.text}"
        assert response.json()["type"] == PROBLEM_TYPE_BASE + "invalid-cursor"


async def test_limit_out_of_range_is_422(start_sqlite_sample):
    sample = await start_sqlite_sample()
    for limit in (0, 201, -1):
        response = await sample.client.get("/api/v1/notes", params={"limit": limit})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "query:limit"
