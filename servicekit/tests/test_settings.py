"""Settings: a per-service prefix, shared un-prefixed values, and no placeholder secrets in production."""

import pytest
from pydantic import ValidationError

from servicekit.identity import DEV_JWKS
from servicekit.settings import REPO_ROOT, SHARED_SETTINGS, ServiceSettings, check_secret, service_config
from servicekit.tests.sample.settings import SampleSettings

JWKS_FILE = "/etc/marketplace/identity-jwks.json"


class OtherSettings(ServiceSettings):
    model_config = service_config("other")

    service_name: str = "other"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """Nothing from the outer environment (the broker fixture sets KAFKA_BOOTSTRAP_SERVERS) leaks in."""
    import os

    for name in list(os.environ):
        if name.startswith(("SAMPLE_", "OTHER_")) or name.lower() in SHARED_SETTINGS | {"database_url", "port"}:
            monkeypatch.delenv(name)
    # Settings default to production; these tests say which environment they mean.
    monkeypatch.setenv("ENVIRONMENT", "development")


def test_prefixed_variables_configure_only_their_service(monkeypatch):
    monkeypatch.setenv("SAMPLE_PORT", "9321")
    monkeypatch.setenv("SAMPLE_RELAY_POLL_SECONDS", "0.5")
    monkeypatch.setenv("SAMPLE_CONSUMERS_ENABLED", "false")
    sample = SampleSettings()
    assert (sample.port, sample.relay_poll_seconds, sample.consumers_enabled) == (9321, 0.5, False)
    assert OtherSettings().port == 8100


def test_shared_settings_may_be_given_without_prefix(monkeypatch):
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092")
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("KAFKA_SESSION_TIMEOUT_MS", "6000")
    for settings in (SampleSettings(), OtherSettings()):
        assert settings.kafka_bootstrap_servers == "kafka-1:9092,kafka-2:9092"
        assert settings.log_level == "DEBUG"
        assert settings.kafka_session_timeout_ms == 6000


def test_prefixed_value_wins_over_the_shared_one(monkeypatch):
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "shared:9092")
    monkeypatch.setenv("SAMPLE_KAFKA_BOOTSTRAP_SERVERS", "own:9092")
    assert SampleSettings().kafka_bootstrap_servers == "own:9092"
    assert OtherSettings().kafka_bootstrap_servers == "shared:9092"


def test_arguments_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("SAMPLE_PORT", "9321")
    assert SampleSettings(port=9400).port == 9400


@pytest.mark.parametrize("name", ["DATABASE_URL", "PORT", "CONSUMER_GROUP", "SERVICE_NAME"])
def test_service_specific_settings_are_never_shared(monkeypatch, name):
    monkeypatch.setenv(name, "postgresql+asyncpg://shared/everyone" if name == "DATABASE_URL" else "1234")
    settings = SampleSettings()
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.port == 8199
    assert settings.consumer_group == "sample"
    assert settings.service_name == "sample"


def test_prefixed_database_url_is_used(monkeypatch):
    monkeypatch.setenv("SAMPLE_DATABASE_URL", "postgresql+asyncpg://db/sample")
    assert SampleSettings().database_url == "postgresql+asyncpg://db/sample"
    assert OtherSettings().database_url != "postgresql+asyncpg://db/sample"


def test_sqlite_default_is_a_file_per_service_under_var():
    assert SampleSettings().database_url == f"sqlite+aiosqlite:///{REPO_ROOT / 'var' / 'sample.db'}"
    assert OtherSettings().database_url == f"sqlite+aiosqlite:///{REPO_ROOT / 'var' / 'other.db'}"


def test_consumer_group_defaults_to_the_service_name():
    assert SampleSettings().consumer_group == "sample"
    assert SampleSettings(consumer_group="sample-replay").consumer_group == "sample-replay"


def test_production_is_the_default_and_needs_the_gateways_public_keys(monkeypatch):
    monkeypatch.delenv("ENVIRONMENT")
    with pytest.raises(ValidationError, match="identity_jwks is not set"):
        SampleSettings()
    assert not SampleSettings(identity_jwks=JWKS_FILE).is_development


def test_development_reads_the_development_gateways_keys():
    settings = SampleSettings()
    assert settings.is_development
    assert settings.identity_jwks == str(DEV_JWKS)


@pytest.mark.parametrize("source", [JWKS_FILE, "https://gateway.internal/identity/jwks.json"])
def test_a_file_or_an_https_url_is_accepted_outside_development(monkeypatch, source):
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("IDENTITY_JWKS", source)
    assert SampleSettings().identity_jwks == source


def test_plain_http_keys_are_refused_outside_development(monkeypatch):
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SAMPLE_IDENTITY_JWKS", "http://gateway.internal/identity/jwks.json")
    with pytest.raises(ValidationError, match="https"):
        SampleSettings()


@pytest.mark.parametrize("secret", ["x" * 31, "short-but-not-a-placeholder"])
def test_short_secret_is_refused_outside_development(secret):
    with pytest.raises(ValueError, match="shorter than 32 bytes"):
        check_secret(secret, name="sync_secret", variables="X", development=False)
    check_secret("x" * 32, name="sync_secret", variables="X", development=False)


@pytest.mark.parametrize("secret", ["dev-identity-secret", "changeme", "secret", ""])
def test_placeholder_secret_is_refused_outside_development(secret):
    with pytest.raises(ValueError, match="is a placeholder"):
        check_secret(secret, name="sync_secret", variables="X", development=False)
    check_secret(secret, name="sync_secret", variables="X", development=True)


def test_prefixed_environment_is_checked_too(monkeypatch):
    monkeypatch.setenv("SAMPLE_ENVIRONMENT", "staging")
    with pytest.raises(ValidationError):
        SampleSettings()
    assert OtherSettings().is_development
