"""The gateway's signed identity header: signing, verification and the verifier's cache."""

import time
from datetime import datetime, timedelta

import jwt
import jwt.api_jwt
import pytest

from servicekit import identity as identity_module
from servicekit.identity import (ANONYMOUS_IDENTITY, ISSUER, Identity, IdentityVerifier, InvalidIdentity,
                                 sign_identity, verify_identity)

SECRET = "a-secret-shared-by-the-gateway-and-the-services"
OTHER_SECRET = "some-other-secret-the-gateway-never-had"
SUPPLIER = Identity(subject="client-7", roles=frozenset({"supplier"}), supplier_id="sup-1")


def test_round_trip_keeps_subject_roles_and_supplier():
    assert verify_identity(sign_identity(SUPPLIER, SECRET), SECRET) == SUPPLIER


def test_identity_helpers():
    assert SUPPLIER.has_role("admin", "supplier")
    assert not SUPPLIER.has_role("admin")
    assert ANONYMOUS_IDENTITY.is_anonymous and not SUPPLIER.is_anonymous
    assert SUPPLIER.claims() == {"sub": "client-7", "roles": ["supplier"], "supplier_id": "sup-1"}
    assert "supplier_id" not in Identity(subject="x").claims()


def test_other_secret_is_refused():
    with pytest.raises(InvalidIdentity):
        verify_identity(sign_identity(SUPPLIER, OTHER_SECRET), SECRET)


def test_expired_header_is_refused():
    with pytest.raises(InvalidIdentity):
        verify_identity(sign_identity(SUPPLIER, SECRET, ttl_seconds=-5), SECRET)


@pytest.mark.parametrize("claims, algorithm", [
    ({"sub": "x", "roles": [], "iss": "someone-else"}, "HS256"),
    ({"roles": [], "iss": ISSUER}, "HS256"),
    ({"sub": "x", "roles": "admin", "iss": ISSUER}, "HS256"),
    ({"sub": "x", "roles": [1], "iss": ISSUER}, "HS256"),
    ({"sub": "x", "roles": ["admin"], "iss": ISSUER}, "none"),
], ids=["issuer", "no-subject", "roles-not-list", "roles-not-strings", "unsigned"])
def test_malformed_claims_are_refused(claims, algorithm):
    claims = claims | {"exp": int(time.time()) + 60}
    token = jwt.encode(claims, SECRET if algorithm != "none" else None, algorithm=algorithm)
    with pytest.raises(InvalidIdentity):
        verify_identity(token, SECRET)


def test_token_without_expiry_is_refused():
    token = jwt.encode({"sub": "x", "roles": [], "iss": ISSUER}, SECRET, algorithm="HS256")
    with pytest.raises(InvalidIdentity):
        verify_identity(token, SECRET)


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.b.c"])
def test_garbage_is_refused(token):
    with pytest.raises(InvalidIdentity):
        verify_identity(token, SECRET)


def test_verifier_caches_good_headers(monkeypatch):
    calls = []
    real = identity_module.verify_identity
    monkeypatch.setattr(identity_module, "verify_identity", lambda t, s: calls.append(t) or real(t, s))
    verifier = IdentityVerifier(SECRET)
    token = sign_identity(SUPPLIER, SECRET)
    assert verifier.verify(token) == SUPPLIER
    assert verifier.verify(token) == SUPPLIER
    assert len(calls) == 1


def test_verifier_cache_does_not_outlive_the_expiry(monkeypatch):
    verifier = IdentityVerifier(SECRET)
    token = sign_identity(SUPPLIER, SECRET, ttl_seconds=30)
    assert verifier.verify(token) == SUPPLIER
    later = time.time() + 120

    class Later(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.now(tz) + timedelta(seconds=120)

    monkeypatch.setattr(time, "time", lambda: later)
    monkeypatch.setattr(jwt.api_jwt, "datetime", Later)
    with pytest.raises(InvalidIdentity):
        verifier.verify(token)


def test_verifier_never_caches_bad_headers():
    verifier = IdentityVerifier(SECRET)
    forged = sign_identity(SUPPLIER, OTHER_SECRET)
    for _ in range(2):
        with pytest.raises(InvalidIdentity):
            verifier.verify(forged)


def test_verifier_cache_is_bounded():
    verifier = IdentityVerifier(SECRET, cache_size=3)
    for n in range(10):
        verifier.verify(sign_identity(Identity(subject=f"client-{n}"), SECRET))
    assert len(verifier._cache) <= 3
