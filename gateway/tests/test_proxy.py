"""Forwarding to the owning service over real sockets."""

from __future__ import annotations

import asyncio
import hashlib
import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.settings import GatewaySettings
from gateway.tests.conftest import ROUTE_TIMEOUT
from gateway.tests.support import BODY_STARTED, EXPORT_ROWS, IDENTITY_KEY_FILE, IDENTITY_KEYS, IDENTITY_SIGNER
from servicekit.identity import IDENTITY_HEADER, Identity, IdentitySigner, InvalidIdentity, sign_identity, verify_identity


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def upstream_headers(echo: dict) -> dict[str, str]:
    return {name: value for name, value in echo["headers"]}


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["type"].startswith("https://")
    assert response.headers["x-request-id"]
    return body


async def test_identity_reaches_the_service_signed_and_client_identity_is_stripped(live):
    forged = sign_identity(Identity("mallory", frozenset({"admin"})), IdentitySigner(Ed25519PrivateKey.generate()),
                           audience="suppliers")
    response = await live.client.get("/api/v1/suppliers/s-1", headers=bearer(live.tokens["buyer"]) | {
        IDENTITY_HEADER: forged})
    assert response.status_code == 200, response.text
    echo = response.json()
    assert echo["service"] == "suppliers"
    assert echo["identity"] == {"sub": "buyer", "roles": ["buyer"], "agency": "Ministry of Social Development"}
    sent = [name for name, _ in echo["headers"]]
    assert sent.count(IDENTITY_HEADER) == 1 and "authorization" not in sent


async def test_each_service_gets_a_header_of_its_own_signed_by_the_gateways_key_for_a_minute(live):
    headers = {}
    for path in ("/api/v1/suppliers/s-1", "/api/v1/offerings", "/api/v1/registry"):
        echo = (await live.client.get(path, headers=bearer(live.tokens["admin"]))).json()
        [headers[echo["service"]]] = [value for name, value in echo["headers"] if name == IDENTITY_HEADER]
    for service, header in headers.items():
        assert jwt.get_unverified_header(header) == {"alg": "EdDSA", "kid": IDENTITY_SIGNER.kid, "typ": "JWT"}
        claims = jwt.decode(header, options={"verify_signature": False})
        assert claims["aud"] == service and claims["exp"] - claims["iat"] <= 60
    # The admin's header sent to the hub is refused by the suppliers service (fake_service checks the audience).
    replayed = await live.client.get("/api/v1/suppliers/s-1", headers={IDENTITY_HEADER: headers["hub"]})
    assert replayed.json()["identity"] == {"sub": "anonymous", "roles": []}  # the gateway replaced it
    with pytest.raises(InvalidIdentity, match="Audience"):
        verify_identity(headers["hub"], IDENTITY_KEYS, audience="suppliers")


async def test_requests_without_a_token_go_through_as_anonymous(live):
    response = await live.client.get("/api/v1/offerings?category=llm&page=2")
    assert response.status_code == 200
    echo = response.json()
    assert echo["service"] == "catalogue" and echo["identity"] == {"sub": "anonymous", "roles": []}
    assert echo["query"] == "category=llm&page=2"


async def test_path_query_method_and_body_pass_through_unchanged(live):
    response = await live.client.post("/api/v1/agreements/a%2Fb/sign%20here?x=1&x=2&q=%C3%A9",
                                      json={"accepted": True}, headers=bearer(live.tokens["admin"]))
    echo = response.json()
    assert echo["method"] == "POST" and echo["raw_path"] == "/api/v1/agreements/a%2Fb/sign%20here"
    assert echo["query"] == "x=1&x=2&q=%C3%A9"
    assert echo["body_head"] == '{"accepted":true}'
    assert upstream_headers(echo)["content-type"] == "application/json"


async def test_large_request_body_is_streamed_to_the_service(live):
    body = bytes(range(256)) * 4096  # 1 MiB, above the buffering threshold
    response = await live.client.put("/api/v1/suppliers/s-1/logo", content=body,
                                     headers={"content-type": "application/octet-stream"})
    echo = response.json()
    assert echo["body_length"] == len(body) and echo["body_sha"] == hashlib.sha256(body).hexdigest()


async def test_a_body_reaches_the_service_while_the_client_is_still_sending(live):
    # The client holds back the rest of its body until the service has the first part: a gateway that
    # read the whole body before forwarding it would never see the rest, and the wait below would time out.
    first, rest = b"a" * 65536, b"b" * 65536
    started = BODY_STARTED.setdefault("streamed", asyncio.Event())

    async def chunks():
        yield first
        await asyncio.wait_for(started.wait(), timeout=10)
        yield rest

    response = await live.client.put("/api/v1/suppliers/upload?mark=streamed", content=chunks(),
                                     headers={"content-type": "application/octet-stream"})
    assert response.status_code == 200, response.text
    assert response.json() == {"body_length": len(first + rest), "body_sha": hashlib.sha256(first + rest).hexdigest()}


async def test_forwarding_headers_and_hop_by_hop(live):
    response = await live.client.get("/api/v1/suppliers", headers={"X-Forwarded-For": "203.0.113.9",
                                                                    "Proxy-Authorization": "Basic eDp5",
                                                                    "X-Custom": "kept"})
    sent = upstream_headers(response.json())
    assert sent["x-forwarded-for"].endswith("127.0.0.1") and sent["x-forwarded-proto"] == "http"
    assert sent["x-custom"] == "kept" and "proxy-authorization" not in sent
    assert sent["host"] != sent["x-forwarded-host"]
    # the upstream's own headers come back, minus hop-by-hop ones and its request id
    assert response.headers["x-upstream"] == "suppliers" and "keep-alive" not in response.headers.get("connection", "")
    assert response.headers.get_list("x-request-id") != ["upstream-echo"]


async def test_request_id_is_echoed_or_generated(live):
    kept = await live.client.get("/api/v1/suppliers", headers={"X-Request-Id": "req-123.abc"})
    assert kept.headers["x-request-id"] == "req-123.abc"
    assert upstream_headers(kept.json())["x-request-id"] == "req-123.abc"
    generated = await live.client.get("/api/v1/suppliers")
    assert len(generated.headers["x-request-id"]) == 32
    assert upstream_headers(generated.json())["x-request-id"] == generated.headers["x-request-id"]
    insane = await live.client.get("/api/v1/suppliers", headers={"X-Request-Id": "x" * 500})
    assert insane.headers["x-request-id"] != "x" * 500
    internal = await live.client.get("/healthz", headers={"X-Request-Id": "hc-1"})
    assert internal.headers["x-request-id"] == "hc-1"


async def test_unknown_resource_is_404(live):
    body = assert_problem(await live.client.get("/api/v1/nonsense/1"), 404)
    assert "nonsense" in body["detail"]


async def test_dot_segments_are_refused(live):
    response = await live.client.get("/api/v1/suppliers/%2E%2E/%2E%2E/internal")
    assert_problem(response, 400)


async def test_service_down_is_503_quickly(live):
    started = time.monotonic()
    body = assert_problem(await live.client.get("/api/v1/accreditations"), 503)
    assert time.monotonic() - started < 1.0
    assert body["service"] == "accreditation" and "127.0.0.1" not in body["detail"]


async def test_slow_service_is_504_within_the_route_timeout(live):
    started = time.monotonic()
    body = assert_problem(await live.client.get("/api/v1/suppliers/slow?seconds=3"), 504)
    elapsed = time.monotonic() - started
    assert ROUTE_TIMEOUT <= elapsed < ROUTE_TIMEOUT + 0.5, elapsed
    assert body["service"] == "suppliers"


async def test_malformed_upstream_response_is_502(live):
    body = assert_problem(await live.client.get("/api/v1/sessions"), 502)
    assert body["service"] == "training" and "127.0.0.1" not in body["detail"]


async def test_large_export_streams_back(live):
    async with live.client.stream("GET", "/api/v1/registry/export.csv", headers=bearer(live.tokens["admin"])) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert "content-length" not in r.headers
        lines = [line async for line in r.aiter_lines() if line]
    assert lines[0] == "id,name" and len(lines) == EXPORT_ROWS + 1 and lines[-1] == f"{EXPORT_ROWS - 1},entry 19999"


async def test_expired_token_is_401(live):
    now = int(time.time())
    issuer = live.gateway.state.issuer
    expired = jwt.encode({"sub": "admin", "roles": ["admin"], "iss": issuer.issuer, "aud": issuer.audience,
                          "iat": now - 7200, "exp": now - 3600}, issuer.key, algorithm="RS256",
                         headers={"kid": issuer.kid})
    response = await live.client.get("/api/v1/suppliers", headers=bearer(expired))
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


async def test_forged_and_garbage_tokens_are_401(live):
    now = int(time.time())
    issuer = live.gateway.state.issuer
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = {"sub": "admin", "roles": ["admin"], "iss": issuer.issuer, "aud": issuer.audience, "iat": now,
              "exp": now + 600}
    forged = jwt.encode(claims, other_key, algorithm="RS256", headers={"kid": issuer.kid})
    hmac_forged = jwt.encode(claims, "x" * 32, algorithm="HS256", headers={"kid": issuer.kid})
    wrong_audience = jwt.encode(claims | {"aud": "someone-else"}, issuer.key, algorithm="RS256",
                                headers={"kid": issuer.kid})
    for token in (forged, hmac_forged, wrong_audience, "not-a-jwt"):
        response = await live.client.get("/api/v1/suppliers", headers=bearer(token))
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    basic = await live.client.get("/api/v1/suppliers", headers={"Authorization": "Basic eDp5"})
    assert_problem(basic, 401)


async def test_unknown_roles_are_dropped(live):
    now = int(time.time())
    issuer = live.gateway.state.issuer
    token = jwt.encode({"sub": "ops", "roles": ["assessor", "root", 7], "iss": issuer.issuer, "aud": issuer.audience,
                        "iat": now, "exp": now + 600}, issuer.key, algorithm="RS256", headers={"kid": issuer.kid})
    echo = (await live.client.get("/api/v1/suppliers", headers=bearer(token))).json()
    assert echo["identity"] == {"sub": "ops", "roles": ["assessor"]}


GATEWAY_TIMEOUTS = ('http_server_request_duration_seconds_count{http_request_method="GET",'
                    'http_response_status_code="504",http_route="/api/v1/suppliers"}')


def _sample_or_zero(metrics_text: str, series: str) -> float:
    """A series not yet observed counts 0."""
    try:
        return _sample(metrics_text, series)
    except AssertionError:
        return 0.0


def _sample(metrics_text: str, series: str) -> float:
    """The value of one series in a Prometheus text exposition."""
    for line in metrics_text.splitlines():
        if line.startswith(series + " "):
            return float(line.split()[-1])
    raise AssertionError(f"{series} is not exposed")


async def test_metrics_and_readiness_are_on_the_operations_port_only(live):
    await live.client.get("/api/v1/suppliers")
    # A timeout of its own, so the counter below does not depend on which tests ran before in this process.
    assert (await live.client.get("/api/v1/suppliers/slow?seconds=3")).status_code == 504
    ops = live.gateway.ops.url
    assert ops.startswith("http://127.0.0.1:") and ops != live.url
    timeouts = 'gateway_upstream_errors_total{kind="timeout",service="suppliers"}'
    async with httpx.AsyncClient(base_url=ops, timeout=10) as operations:
        # Every upstream's failure series exists from the start, at zero or above.
        before = _sample((await operations.get("/metrics")).text, timeouts)
        answered_before = _sample_or_zero((await operations.get("/metrics")).text, GATEWAY_TIMEOUTS)
        assert _sample((await operations.get("/metrics")).text,
                       'gateway_upstream_errors_total{kind="stream-broken",service="hub"}') >= 0
        assert_problem(await live.client.get("/api/v1/suppliers/slow?seconds=3"), 504)
        metrics = await operations.get("/metrics")
        ready = await operations.get("/readyz")
        alive = await operations.get("/healthz")
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    # The HTTP convention's request duration under its Prometheus name; its _count counts the requests.
    assert _sample(metrics.text, GATEWAY_TIMEOUTS) == answered_before + 1
    assert _sample(metrics.text, timeouts) == before + 1
    assert ready.status_code == 200
    assert ready.json()["upstreams"] == {"suppliers": "up", "catalogue": "up", "accreditation": "down",
                                         "training": "down", "hub": "up", "partners": "up",
                                         "assistant": "up", "assurance": "down"}
    assert alive.json() == {"status": "ok"}
    # The public port keeps only the liveness answer.
    assert (await live.client.get("/healthz")).json() == {"status": "ok"}
    assert_problem(await live.client.get("/metrics"), 404)
    assert_problem(await live.client.get("/readyz"), 404)


def test_the_operations_port_is_on_loopback_by_default():
    production = GatewaySettings(environment="production", identity_key_file=IDENTITY_KEY_FILE)
    assert production.ops_host == "127.0.0.1" and production.ops_port == 8090 != production.port
    # In development any free port, so that local gateways and test runs do not collide.
    assert GatewaySettings(environment="development").ops_port == 0
