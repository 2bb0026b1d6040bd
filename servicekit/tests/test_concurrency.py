"""Optimistic concurrency: ETag on read, If-Match on change, and a clean 409 when two changes race."""

import asyncio

import pytest
from starlette.requests import Request

from servicekit.concurrency import check_if_match, etag
from servicekit.problems import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE, Problem
from servicekit.tables import AuditEntry, OutboxRecord
from servicekit.tests.sample.models import SampleNote


@pytest.fixture
async def sample(start_sample):
    return await start_sample()


async def test_read_carries_the_etag_and_changes_need_the_current_one(sample):
    note = await sample.create_note()
    url = f"/api/v1/notes/{note['id']}"
    read = await sample.client.get(url)
    assert read.headers["etag"] == '"1"'

    missing = await sample.client.patch(url, json={"title": "x"})
    assert missing.status_code == 428
    assert missing.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert missing.json()["type"] == PROBLEM_TYPE_BASE + "precondition-required"

    stale = await sample.client.patch(url, json={"title": "x"}, headers={"If-Match": '"0"'})
    assert stale.status_code == 412
    assert stale.json()["current_etag"] == '"1"'

    current = await sample.client.patch(url, json={"title": "changed"}, headers={"If-Match": read.headers["etag"]})
    assert current.status_code == 200, current.text
    assert current.headers["etag"] == '"2"'
    assert current.json()["title"] == "changed"

    replayed = await sample.client.patch(url, json={"title": "again"}, headers={"If-Match": '"1"'})
    assert replayed.status_code == 412
    assert (await sample.client.get(url)).json()["title"] == "changed"
    assert await sample.count(AuditEntry, AuditEntry.aggregate_id == note["id"]) == 2


async def test_refused_change_writes_nothing(sample):
    note = await sample.create_note()
    await sample.client.patch(f"/api/v1/notes/{note['id']}", json={"title": "x"}, headers={"If-Match": '"7"'})
    assert await sample.count(OutboxRecord, OutboxRecord.subject == note["id"]) == 1
    assert await sample.count(AuditEntry, AuditEntry.aggregate_id == note["id"]) == 1


async def test_concurrent_changes_of_the_same_version_give_one_winner_and_409(sample):
    note = await sample.create_note()
    url = f"/api/v1/notes/{note['id']}"
    # Both requests pass their If-Match check before either writes.
    barrier = asyncio.Barrier(2)
    sample.app.state.hooks["before_write"] = barrier.wait

    first, second = await asyncio.gather(
        sample.client.patch(url, json={"title": "first"}, headers={"If-Match": '"1"'}),
        sample.client.patch(url, json={"title": "second"}, headers={"If-Match": '"1"'}),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409], (first.text, second.text)
    loser = first if first.status_code == 409 else second
    winner = second if loser is first else first
    assert loser.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert loser.json()["type"] == PROBLEM_TYPE_BASE + "concurrent-change"

    sample.app.state.hooks.clear()
    stored = (await sample.rows(SampleNote, SampleNote.id == note["id"]))[0]
    assert (stored.version, stored.title) == (2, winner.json()["title"])
    versions = [a.version for a in await sample.rows(AuditEntry, AuditEntry.aggregate_id == note["id"])]
    assert sorted(versions) == [1, 2]
    assert await sample.count(OutboxRecord, OutboxRecord.subject == note["id"]) == 2


def request_with(if_match: str | None) -> Request:
    headers = [(b"if-match", if_match.encode())] if if_match is not None else []
    return Request({"type": "http", "method": "PATCH", "path": "/", "headers": headers})


@pytest.mark.parametrize("header", ['"3"', 'W/"3"', '"1", "3"', "*", ' "2" , "3" '])
def test_if_match_accepts_the_current_version(header):
    check_if_match(request_with(header), 3)


@pytest.mark.parametrize("header, status", [(None, 428), ('"2"', 412), ("3", 412), ('"1", "2"', 412), ("", 412)])
def test_if_match_refuses_anything_else(header, status):
    with pytest.raises(Problem) as refused:
        check_if_match(request_with(header), 3)
    assert refused.value.status == status


def test_etag_format():
    assert etag(12) == '"12"'
