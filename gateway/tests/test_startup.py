"""What the gateway refuses at startup, the client stores and the hashing CLI."""

from __future__ import annotations

import gc
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import ValidationError

from gateway.auth import ChainClientStore, Client, FileClientStore, hash_secret, main, verify_secret
from gateway.main import GC_YOUNG_THRESHOLD, create_app
from gateway.routes import RouteTable
from gateway.settings import GatewaySettings
from gateway.tests.conftest import asgi_gateway, settings_for
from gateway.tests.support import IDENTITY_KEY_FILE, IDENTITY_SIGNER
from servicekit.identity import DEV_PRIVATE_KEY


def test_outside_development_the_identity_key_must_be_given():
    with pytest.raises(ValidationError, match="identity_key_file is not set"):
        GatewaySettings(environment="production")
    assert GatewaySettings().identity_key_file == DEV_PRIVATE_KEY


def test_identity_key_from_the_environment(monkeypatch):
    monkeypatch.setenv("GATEWAY_IDENTITY_KEY_FILE", IDENTITY_KEY_FILE)
    assert create_app(GatewaySettings()).state.signer.kid == IDENTITY_SIGNER.kid
    monkeypatch.setenv("GATEWAY_SUPPLIERS_URL", "http://suppliers.internal:80/")
    assert RouteTable(GatewaySettings()).match("/api/v1/agreements/1").base_url == "http://suppliers.internal:80"


def test_an_identity_key_of_another_kind_is_refused(tmp_path):
    rsa_key = tmp_path / "rsa.pem"
    rsa_key.write_bytes(rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    with pytest.raises(ValueError, match="not an Ed25519 private key"):
        create_app(settings_for(identity_key_file=rsa_key))


def test_dev_client_secrets_are_refused_outside_development():
    settings = GatewaySettings(environment="production", identity_key_file=IDENTITY_KEY_FILE)
    with pytest.raises(RuntimeError, match="development secret"):
        create_app(settings)


def test_real_client_secrets_are_accepted_outside_development(tmp_path):
    clients = tmp_path / "clients.json"
    clients.write_text(json.dumps({"clients": [
        {"client_id": "admin", "roles": ["admin"], "secret_hash": hash_secret("s3cret", iterations=1000)}]}))
    gateway = create_app(GatewaySettings(environment="production", identity_key_file=IDENTITY_KEY_FILE,
                                         clients_file=clients))
    assert gateway.state.issuer is not None


def test_unknown_roles_in_the_clients_file_are_an_error(tmp_path):
    clients = tmp_path / "clients.json"
    clients.write_text(json.dumps({"clients": [{"client_id": "x", "roles": ["root"], "secret_hash": "x"}]}))
    with pytest.raises(ValueError, match="unknown roles"):
        FileClientStore.from_file(clients)


def test_route_timeouts():
    table = RouteTable(GatewaySettings(route_timeouts={"/api/v1/courses/*/report*": 30}))
    registry = table.match("/api/v1/registry/export.csv")
    assert registry.service == "hub" and registry.timeouts_for("/api/v1/registry/export.csv")[0] == 120
    assert registry.timeouts_for("/api/v1/registry/entries")[0] == 10
    assert table.match("/api/v1/courses/c1/report.pdf").timeouts_for("/api/v1/courses/c1/report.pdf")[0] == 30
    assert table.match("/api/v1/nope") is None and table.match("/api/v1/suppliersX") is None


def test_hash_secret_cli(capsys):
    assert main(["hash-secret", "hunter2", "--iterations", "1000"]) == 0
    encoded = capsys.readouterr().out.strip()
    assert encoded.startswith("pbkdf2_sha256$1000$")
    assert verify_secret("hunter2", encoded) and not verify_secret("hunter3", encoded)
    assert not verify_secret("hunter2", "md5$1$x$y") and not verify_secret("hunter2", "garbage")


class SupplierClients:
    """Stands in for the suppliers service verifying its own API clients."""

    async def authenticate(self, client_id: str, secret: str) -> Client | None:
        if client_id == "sup-client-7" and secret == "right":
            return Client(client_id, frozenset({"supplier"}), supplier_id="sup-7")
        return None


async def test_a_chain_of_client_stores_issues_supplier_tokens(upstreams):
    gateway = create_app(settings_for(suppliers_url=upstreams["suppliers"]))
    gateway.state.clients = ChainClientStore([gateway.state.clients, SupplierClients()])
    async with asgi_gateway(gateway) as client:
        issued = await client.post("/api/v1/auth/token", data={"grant_type": "client_credentials",
                                                               "client_id": "sup-client-7", "client_secret": "right"})
        assert issued.status_code == 200, issued.text
        token = issued.json()["access_token"]
        echo = (await client.get("/api/v1/suppliers/sup-7", headers={"Authorization": f"Bearer {token}"})).json()
        wrong = await client.post("/api/v1/auth/token", data={"grant_type": "client_credentials",
                                                              "client_id": "sup-client-7", "client_secret": "no"})
    assert echo["identity"] == {"sub": "sup-client-7", "roles": ["supplier"], "supplier_id": "sup-7"}
    assert wrong.status_code == 401


async def test_gc_tuning_lasts_only_as_long_as_the_lifespan():
    before = gc.get_threshold()
    gateway = create_app(settings_for(gc_tuning=True))
    async with gateway.lifespan():
        assert gc.get_threshold()[0] == GC_YOUNG_THRESHOLD and gc.get_freeze_count() > 0
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_an_unset_environment_is_production(monkeypatch):
    monkeypatch.delenv("ENVIRONMENT", raising=False)
    monkeypatch.delenv("GATEWAY_ENVIRONMENT", raising=False)
    with pytest.raises(ValidationError, match="identity_key_file is not set"):
        GatewaySettings()
    assert not GatewaySettings(identity_key_file=IDENTITY_KEY_FILE).is_development
