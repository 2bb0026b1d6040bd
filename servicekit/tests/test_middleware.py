"""The request path: only the gateway's signed identity gets in; request ids are echoed or made."""

import re
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from servicekit.identity import IDENTITY_HEADER, ISSUER, Identity, IdentitySigner, development_signer, sign_identity
from servicekit.problems import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE
from servicekit.testing import identity_headers
from servicekit.tests.support import ALICE, json_log_lines

GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
async def sample(start_sqlite_sample):
    return await start_sqlite_sample()


def assert_unauthenticated(response):
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert body["type"] == PROBLEM_TYPE_BASE + "unauthenticated"
    assert "gateway" in body["detail"]


async def test_request_without_identity_is_401(sample):
    response = await sample.client.get("/api/v1/notes", headers={IDENTITY_HEADER: ""})
    assert_unauthenticated(response)
    assert GENERATED_ID.match(response.headers["x-request-id"])


def _old_shared_secret_header() -> str:
    now = int(time.time())
    return jwt.encode({**ALICE.claims(), "iss": ISSUER, "aud": "sample", "iat": now, "exp": now + 60},
                      "dev-identity-secret-for-local-development-only", algorithm="HS256")


@pytest.mark.parametrize("header", [
    lambda: sign_identity(ALICE, IdentitySigner(Ed25519PrivateKey.generate()), audience="sample"),
    lambda: sign_identity(ALICE, development_signer(), audience="hub"),
    lambda: sign_identity(ALICE, development_signer(), audience="sample", ttl_seconds=-10),
    _old_shared_secret_header,
    lambda: "garbage",
], ids=["another-key", "another-audience", "expired", "old-shared-secret", "garbage"])
async def test_forged_misdirected_or_expired_identity_is_401(sample, header):
    assert_unauthenticated(await sample.client.get("/api/v1/notes", headers={IDENTITY_HEADER: header()}))


async def test_refused_request_never_reaches_the_route(sample):
    response = await sample.client.post("/api/v1/notes", json={"title": "sneaky"}, headers={IDENTITY_HEADER: "x"})
    assert_unauthenticated(response)
    listed = await sample.client.get("/api/v1/notes")
    assert listed.json()["data"] == []


async def test_api_documents_need_the_identity_too(sample):
    assert_unauthenticated(await sample.client.get("/openapi.json", headers={IDENTITY_HEADER: ""}))
    assert (await sample.client.get("/openapi.json")).status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/metrics"])
async def test_operational_paths_are_open(sample, path):
    response = await sample.client.get(path, headers={IDENTITY_HEADER: ""})
    assert response.status_code == 200


async def test_healthz_body(sample):
    assert (await sample.client.get("/healthz", headers={IDENTITY_HEADER: ""})).json() == {"status": "ok"}


async def test_sane_request_id_is_echoed(sample):
    response = await sample.client.get("/api/v1/notes", headers={"x-request-id": "req-42.a:b_c"})
    assert response.headers["x-request-id"] == "req-42.a:b_c"


async def test_request_id_is_echoed_on_refusals_too(sample):
    response = await sample.client.get("/api/v1/notes", headers={"x-request-id": "req-43", IDENTITY_HEADER: ""})
    assert response.status_code == 401
    assert response.headers["x-request-id"] == "req-43"


@pytest.mark.parametrize("sent", [None, "has spaces", "x" * 129, "semi;colon", "<script>"])
async def test_missing_or_unsafe_request_id_is_replaced(sample, sent):
    headers = {"x-request-id": sent} if sent is not None else {}
    response = await sample.client.get("/api/v1/notes", headers=headers)
    assert response.status_code == 200
    assert GENERATED_ID.match(response.headers["x-request-id"])


async def test_each_request_gets_its_own_generated_id(sample):
    first = await sample.client.get("/api/v1/notes")
    second = await sample.client.get("/api/v1/notes")
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_identity_reaches_the_route(sample):
    note = await sample.create_note("by alice")
    history = (await sample.client.get(f"/api/v1/notes/{note['id']}/history")).json()["data"]
    assert history[0]["actor"] == "alice"
    other = await sample.client.post("/api/v1/notes", json={"title": "t"},
                                     headers=identity_headers(Identity(subject="carol"), "sample"))
    carol_history = (await sample.client.get(f"/api/v1/notes/{other.json()['id']}/history")).json()["data"]
    assert carol_history[0]["actor"] == "carol"


async def test_unexpected_error_is_answered_with_the_request_id_and_logged_with_it(sample):
    with json_log_lines() as lines:
        response = await sample.client.get("/api/v1/boom", headers={"x-request-id": "boom-1"})
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert response.headers["x-request-id"] == "boom-1", "the caller needs the id to report the failure"
    errors = [line for line in lines if line["level"] == "ERROR"]
    assert [e["request_id"] for e in errors] == ["boom-1"]
    assert "RuntimeError: internal detail" in errors[0]["error"]
    assert "trace_id" in errors[0]


@pytest.fixture
async def small_bodies(start_sqlite_sample):
    return await start_sqlite_sample(max_request_body_bytes=1000)


def assert_too_large(response):
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["type"] == PROBLEM_TYPE_BASE + "content-too-large"
    assert response.json()["max_bytes"] == 1000


async def test_a_body_announced_larger_than_the_limit_is_413_unread(small_bodies):
    response = await small_bodies.client.post("/api/v1/notes", json={"title": "big", "body": "a" * 2000})
    assert_too_large(response)
    assert (await small_bodies.client.get("/api/v1/notes")).json()["data"] == []


async def test_a_streamed_body_is_cut_off_once_it_passes_the_limit(small_bodies):
    sent = []

    async def chunks():
        yield b'{"title": "streamed", "body": "'
        for _ in range(50):
            sent.append(1)
            yield b"a" * 100
        yield b'"}'

    response = await small_bodies.client.post("/api/v1/notes", content=chunks(),
                                              headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers
    assert_too_large(response)
    assert len(sent) < 50, "the body was read only until it passed the limit"
    assert (await small_bodies.client.get("/api/v1/notes")).json()["data"] == []


async def test_a_body_within_the_limit_is_served(small_bodies):
    await small_bodies.create_note("small", body="a" * 500)
