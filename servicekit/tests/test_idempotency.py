"""Idempotency-Key on creation: a retry gets the first answer, never a second resource or event."""

import asyncio

import pytest

from servicekit.problems import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE
from servicekit.tables import AuditEntry, IdempotencyRecord, OutboxRecord
from servicekit.testing import identity_headers
from servicekit.tests.sample.models import SampleNote
from servicekit.tests.support import BOB


@pytest.fixture
async def sample(start_sample):
    return await start_sample()


async def post(sample, body: dict, key: str | None = None, **headers):
    if key is not None:
        headers["Idempotency-Key"] = key
    return await sample.client.post("/api/v1/notes", json=body, headers=headers)


async def test_same_key_and_body_replays_the_first_answer(sample):
    first = await post(sample, {"title": "once"}, "key-1")
    again = await post(sample, {"title": "once"}, "key-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await sample.count(SampleNote) == 1
    assert await sample.count(OutboxRecord) == 1
    assert await sample.count(AuditEntry) == 1
    assert await sample.count(IdempotencyRecord) == 1


async def test_same_key_with_another_body_is_422(sample):
    await post(sample, {"title": "once"}, "key-2")
    other = await post(sample, {"title": "different"}, "key-2")
    assert other.status_code == 422
    assert other.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert other.json()["type"] == PROBLEM_TYPE_BASE + "idempotency-key-reused"
    assert await sample.count(SampleNote) == 1
    assert await sample.count(OutboxRecord) == 1


async def test_without_a_key_each_request_creates(sample):
    first = await post(sample, {"title": "twice"})
    second = await post(sample, {"title": "twice"})
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    assert await sample.count(SampleNote) == 2
    assert await sample.count(OutboxRecord) == 2
    assert await sample.count(IdempotencyRecord) == 0


async def test_keys_belong_to_their_caller(sample):
    mine = await post(sample, {"title": "same"}, "shared-key")
    theirs = await post(sample, {"title": "same"}, "shared-key", **identity_headers(BOB, "sample"))
    assert theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers
    assert theirs.json()["id"] != mine.json()["id"]
    assert await sample.count(SampleNote) == 2


async def test_failed_request_does_not_burn_the_key(sample):
    invalid = await post(sample, {"title": ""}, "key-3")
    assert invalid.status_code == 422
    created = await post(sample, {"title": "now valid"}, "key-3")
    assert created.status_code == 201
    assert "idempotent-replayed" not in created.headers


async def test_key_of_bad_length_is_400(sample):
    response = await post(sample, {"title": "x"}, "k" * 201)
    assert response.status_code == 400
    assert response.json()["type"] == PROBLEM_TYPE_BASE + "invalid-idempotency-key"
    assert (await post(sample, {"title": "x"}, "")).status_code == 400
    assert await sample.count(SampleNote) == 0


async def test_retry_while_the_first_request_runs_creates_nothing_twice(sample):
    arrived = []

    async def slow_first():
        arrived.append(True)
        if len(arrived) == 1:
            await asyncio.sleep(0.3)

    sample.app.state.hooks["before_create"] = slow_first
    first = asyncio.create_task(post(sample, {"title": "slow"}, "key-4"))
    while not arrived:
        await asyncio.sleep(0.01)
    second = await post(sample, {"title": "slow"}, "key-4")
    first = await first
    assert first.status_code == 201
    # The retry either waited and got the first answer again, or was told the key is in use.
    if second.status_code == 201:
        assert second.headers["idempotent-replayed"] == "true"
        assert second.json() == first.json()
    else:
        assert second.status_code == 409, second.text
        assert second.json()["type"] == PROBLEM_TYPE_BASE + "idempotency-key-in-use"
    assert await sample.count(SampleNote) == 1
    assert await sample.count(OutboxRecord) == 1
