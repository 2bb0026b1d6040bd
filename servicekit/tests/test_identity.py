"""The gateway's signed identity header: Ed25519 signatures, one audience, a short life, the verifier's cache."""

import json
import time
from datetime import datetime, timedelta

import jwt
import jwt.api_jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from servicekit import identity as identity_module
from servicekit.identity import (ALGORITHM, ANONYMOUS_IDENTITY, ISSUER, Identity, IdentitySigner, IdentityVerifier,
                                 InvalidIdentity, KeySet, UnknownKey, development_signer, private_pem, sign_identity,
                                 verify_identity)

GATEWAY = IdentitySigner(Ed25519PrivateKey.generate())
INTRUDER = IdentitySigner(Ed25519PrivateKey.generate())
KEYS = KeySet.of(GATEWAY.jwks())
# What services shared before the gateway signed with a key of its own.
OLD_SHARED_SECRET = "dev-identity-secret-for-local-development-only"
SUPPLIER = Identity(subject="client-7", roles=frozenset({"supplier"}), supplier_id="sup-1")


def claims_for(audience="suppliers", lifetime=30, **extra) -> dict:
    now = int(time.time())
    return {"sub": "x", "roles": ["admin"], "iss": ISSUER, "aud": audience, "iat": now, "exp": now + lifetime} | extra


def signed(claims: dict, signer: IdentitySigner = GATEWAY) -> str:
    return jwt.encode(claims, signer.key, algorithm=ALGORITHM, headers={"kid": signer.kid})


def test_round_trip_keeps_subject_roles_and_supplier():
    token = sign_identity(SUPPLIER, GATEWAY, audience="suppliers")
    assert verify_identity(token, KEYS, audience="suppliers") == SUPPLIER
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA" and header["kid"] == GATEWAY.kid


def test_identity_helpers():
    assert SUPPLIER.has_role("admin", "supplier")
    assert not SUPPLIER.has_role("admin")
    assert ANONYMOUS_IDENTITY.is_anonymous and not SUPPLIER.is_anonymous
    assert SUPPLIER.claims() == {"sub": "client-7", "roles": ["supplier"], "supplier_id": "sup-1"}
    assert "supplier_id" not in Identity(subject="x").claims()


def test_a_header_signed_by_another_key_is_refused():
    with pytest.raises(UnknownKey):
        verify_identity(sign_identity(SUPPLIER, INTRUDER, audience="suppliers"), KEYS, audience="suppliers")
    # Even when it claims the gateway's key id.
    forged = jwt.encode(claims_for(), INTRUDER.key, algorithm=ALGORITHM, headers={"kid": GATEWAY.kid})
    with pytest.raises(InvalidIdentity, match="Signature"):
        verify_identity(forged, KEYS, audience="suppliers")


def test_a_header_for_another_service_is_refused():
    # What a compromised hub could do with the headers it is sent: replay them to the suppliers service.
    for_the_hub = sign_identity(Identity("admin", frozenset({"admin"})), GATEWAY, audience="hub")
    assert verify_identity(for_the_hub, KEYS, audience="hub").has_role("admin")
    with pytest.raises(InvalidIdentity, match="Audience"):
        verify_identity(for_the_hub, KEYS, audience="suppliers")
    with pytest.raises(InvalidIdentity):
        verify_identity(signed(claims_for(audience=["hub", "suppliers"])), KEYS, audience="suppliers")
    without = claims_for()
    del without["aud"]
    with pytest.raises(InvalidIdentity):
        verify_identity(signed(without), KEYS, audience="suppliers")


def test_an_hs256_header_made_with_the_old_shared_secret_is_refused():
    old = jwt.encode(claims_for(), OLD_SHARED_SECRET, algorithm="HS256", headers={"kid": GATEWAY.kid})
    with pytest.raises(InvalidIdentity, match="EdDSA"):
        verify_identity(old, KEYS, audience="suppliers")


def test_expired_header_is_refused_after_a_small_leeway():
    with pytest.raises(InvalidIdentity, match="expired"):
        verify_identity(sign_identity(SUPPLIER, GATEWAY, audience="suppliers", ttl_seconds=-10), KEYS,
                        audience="suppliers")
    just = sign_identity(SUPPLIER, GATEWAY, audience="suppliers", ttl_seconds=-2)
    assert verify_identity(just, KEYS, audience="suppliers") == SUPPLIER


def test_headers_live_a_minute_at_most():
    with pytest.raises(ValueError):
        sign_identity(SUPPLIER, GATEWAY, audience="suppliers", ttl_seconds=61)
    with pytest.raises(InvalidIdentity, match="longer than 60"):
        verify_identity(signed(claims_for(lifetime=300)), KEYS, audience="suppliers")


@pytest.mark.parametrize("claims", [
    claims_for(iss="someone-else"),
    {k: v for k, v in claims_for().items() if k != "sub"},
    {k: v for k, v in claims_for().items() if k != "exp"},
    {k: v for k, v in claims_for().items() if k != "iat"},
    claims_for(roles="admin"),
    claims_for(roles=[1]),
], ids=["issuer", "no-subject", "no-expiry", "no-issued-at", "roles-not-list", "roles-not-strings"])
def test_malformed_claims_are_refused(claims):
    with pytest.raises(InvalidIdentity):
        verify_identity(signed(claims), KEYS, audience="suppliers")


def test_unsigned_header_is_refused():
    with pytest.raises(InvalidIdentity):
        verify_identity(jwt.encode(claims_for(), None, algorithm="none"), KEYS, audience="suppliers")


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.b.c"])
def test_garbage_is_refused(token):
    with pytest.raises(InvalidIdentity):
        verify_identity(token, KEYS, audience="suppliers")


def test_a_key_set_with_several_keys_verifies_each(tmp_path):
    # Rotation: the new key is published beside the old one before the gateway switches to it.
    both = KeySet.of({"keys": [GATEWAY.jwk, INTRUDER.jwk]})
    for signer in (GATEWAY, INTRUDER):
        assert verify_identity(sign_identity(SUPPLIER, signer, audience="hub"), both, audience="hub") == SUPPLIER


async def test_a_jwks_file_is_read_again_when_it_changes(tmp_path):
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(GATEWAY.jwks()))
    verifier = IdentityVerifier(KeySet(path), audience="hub")
    rotated = sign_identity(SUPPLIER, INTRUDER, audience="hub")
    with pytest.raises(UnknownKey):
        await verifier.verify_fresh(rotated)
    path.write_text(json.dumps({"keys": [GATEWAY.jwk, INTRUDER.jwk]}))
    assert await verifier.verify_fresh(rotated) == SUPPLIER


async def test_keys_not_written_yet_are_picked_up_later(tmp_path):
    # In development a service may start before the gateway has made its key pair.
    private, jwks = tmp_path / "key.pem", tmp_path / "jwks.json"
    verifier = IdentityVerifier(KeySet(jwks), audience="hub")
    signer = development_signer(private, jwks)
    assert await verifier.verify_fresh(sign_identity(SUPPLIER, signer, audience="hub")) == SUPPLIER
    assert development_signer(private, jwks).kid == signer.kid  # made once, then loaded
    assert private.stat().st_mode & 0o077 == 0


def test_the_command_line_makes_a_key_and_the_jwks_of_several(tmp_path, capsys):
    new, old = tmp_path / "new.pem", tmp_path / "old.pem"
    old.write_bytes(private_pem(INTRUDER.key))
    assert identity_module._main(["key", str(new)]) == 0
    assert identity_module._main(["jwks", str(new), str(old)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [key["kid"] for key in document["keys"]] == [IdentitySigner.from_file(new).kid, INTRUDER.kid]
    assert all("d" not in key for key in document["keys"])  # public halves only


def test_verifier_caches_good_headers(monkeypatch):
    calls = []
    real = identity_module.verify_identity
    monkeypatch.setattr(identity_module, "verify_identity", lambda t, k, **kw: calls.append(t) or real(t, k, **kw))
    verifier = IdentityVerifier(KEYS, audience="suppliers")
    token = sign_identity(SUPPLIER, GATEWAY, audience="suppliers")
    assert verifier.verify(token) == SUPPLIER
    assert verifier.verify(token) == SUPPLIER
    assert len(calls) == 1


def test_verifier_cache_does_not_outlive_the_expiry(monkeypatch):
    verifier = IdentityVerifier(KEYS, audience="suppliers")
    token = sign_identity(SUPPLIER, GATEWAY, audience="suppliers", ttl_seconds=30)
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
    verifier = IdentityVerifier(KEYS, audience="suppliers")
    forged = sign_identity(SUPPLIER, INTRUDER, audience="suppliers")
    for _ in range(2):
        with pytest.raises(InvalidIdentity):
            verifier.verify(forged)


def test_verifier_cache_is_bounded():
    verifier = IdentityVerifier(KEYS, audience="suppliers", cache_size=3)
    for n in range(10):
        verifier.verify(sign_identity(Identity(subject=f"client-{n}"), GATEWAY, audience="suppliers"))
    assert len(verifier._cache) <= 3


def test_outside_development_a_service_needs_a_readable_key_set(tmp_path):
    missing, broken = tmp_path / "missing.json", tmp_path / "broken.json"
    broken.write_text("{not json")
    for path in (missing, broken):
        with pytest.raises(ValueError, match="no Ed25519 key"):
            KeySet(path, required=True)
        assert KeySet(path).keys == {}  # development: the gateway may write it later


async def test_a_broken_rewrite_keeps_the_keys_already_read(tmp_path):
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(GATEWAY.jwks()))
    keys = KeySet(path, required=True)
    path.write_text('{"keys": [')
    assert not await keys.refresh()
    assert verify_identity(sign_identity(SUPPLIER, GATEWAY, audience="hub"), keys, audience="hub") == SUPPLIER
