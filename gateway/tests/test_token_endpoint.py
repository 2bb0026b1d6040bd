"""The development token issuer: OAuth 2.0 client credentials grant."""

from __future__ import annotations

import jwt

from gateway.tests.conftest import basic

TOKEN_URL = "/api/v1/auth/token"


def assert_oauth_problem(response, status: int, error: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["error"] == error and body["title"] and body["type"]
    assert response.headers["cache-control"] == "no-store"
    return body


async def test_issue_with_form_credentials(live):
    response = await live.client.post(TOKEN_URL, data={"grant_type": "client_credentials", "client_id": "admin",
                                                       "client_secret": "admin-dev-secret"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600 and body["scope"] == "admin"
    assert response.headers["cache-control"] == "no-store"
    jwks = (await live.client.get("/api/v1/auth/jwks.json")).json()
    header = jwt.get_unverified_header(body["access_token"])
    (key,) = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
    claims = jwt.decode(body["access_token"], jwt.PyJWK(key).key, algorithms=["RS256"], audience="marketplace-api",
                        issuer="marketplace-gateway")
    assert claims["sub"] == "admin" and claims["roles"] == ["admin"]
    assert claims["exp"] - claims["iat"] == 3600 and "supplier_id" not in claims


async def test_issue_with_basic_credentials(live):
    response = await live.client.post(TOKEN_URL, data={"grant_type": "client_credentials"},
                                      headers={"Authorization": basic("partner", "partner-dev-secret")})
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "partner"


async def test_wrong_secret_is_invalid_client(live):
    response = await live.client.post(TOKEN_URL, data={"grant_type": "client_credentials"},
                                      headers={"Authorization": basic("admin", "buyer-dev-secret")})
    assert_oauth_problem(response, 401, "invalid_client")
    assert response.headers["www-authenticate"].startswith("Basic")


async def test_unknown_client_and_missing_credentials_are_invalid_client(live):
    unknown = await live.client.post(TOKEN_URL, data={"grant_type": "client_credentials", "client_id": "nobody",
                                                      "client_secret": "nobody-dev-secret"})
    assert_oauth_problem(unknown, 401, "invalid_client")
    missing = await live.client.post(TOKEN_URL, data={"grant_type": "client_credentials"})
    assert_oauth_problem(missing, 401, "invalid_client")


async def test_wrong_grant_type(live):
    response = await live.client.post(TOKEN_URL, data={"grant_type": "password", "username": "admin"},
                                      headers={"Authorization": basic("admin", "admin-dev-secret")})
    assert_oauth_problem(response, 400, "unsupported_grant_type")


async def test_malformed_requests_are_invalid_request(live):
    no_grant = await live.client.post(TOKEN_URL, data={"client_id": "admin", "client_secret": "admin-dev-secret"})
    assert_oauth_problem(no_grant, 400, "invalid_request")
    as_json = await live.client.post(TOKEN_URL, json={"grant_type": "client_credentials"})
    assert_oauth_problem(as_json, 400, "invalid_request")
    twice = await live.client.post(TOKEN_URL, content="grant_type=client_credentials&grant_type=client_credentials",
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_oauth_problem(twice, 400, "invalid_request")
    two_methods = await live.client.post(
        TOKEN_URL, data={"grant_type": "client_credentials", "client_secret": "admin-dev-secret"},
        headers={"Authorization": basic("admin", "admin-dev-secret")})
    assert_oauth_problem(two_methods, 400, "invalid_request")


async def test_scope_must_be_within_the_clients_roles(live):
    response = await live.client.post(TOKEN_URL, data={"grant_type": "client_credentials", "scope": "admin"},
                                      headers={"Authorization": basic("buyer", "buyer-dev-secret")})
    assert_oauth_problem(response, 400, "invalid_scope")


async def test_jwks_publishes_the_signing_key(live):
    response = await live.client.get("/api/v1/auth/jwks.json")
    (key,) = response.json()["keys"]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["kid"] == live.gateway.state.issuer.kid
    assert "d" not in key
