"""Service settings: one class, read from the environment with a per-service prefix.

`SUPPLIERS_DATABASE_URL` configures only the suppliers service. Settings every service shares
(the broker, the environment, the gateway's public identity keys) may also be given once without a prefix, e.g.
`KAFKA_BOOTSTRAP_SERVERS`; a prefixed value wins.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

from servicekit.identity import DEV_JWKS

PLACEHOLDER_SECRETS = {"dev-identity-secret-for-local-development-only", "dev-identity-secret", "changeme", "change-me", "secret", ""}
SHARED_SETTINGS = {
    "environment", "kafka_bootstrap_servers", "kafka_enable_idempotence", "kafka_security_protocol",
    "kafka_sasl_mechanism", "kafka_sasl_username", "kafka_sasl_password", "kafka_fetch_max_wait_ms",
    "kafka_session_timeout_ms", "kafka_heartbeat_interval_ms", "kafka_rebalance_timeout_ms",
    "kafka_broker_is_ephemeral",
    "identity_jwks", "log_level",
}
REPO_ROOT = Path(__file__).resolve().parent.parent
# Shorter secrets can be guessed offline from one signed header (HMAC-SHA256 wants 32 bytes).
MIN_SECRET_BYTES = 32


def check_secret(value: str, *, name: str, variables: str, development: bool,
                 placeholders: set[str] = PLACEHOLDER_SECRETS) -> None:
    """Outside development a secret must be set (not a published placeholder) and at least 32 bytes long."""
    if development:
        return
    if value in placeholders:
        raise ValueError(f"{name} is a placeholder; set {variables} outside development")
    if len(value.encode()) < MIN_SECRET_BYTES:
        raise ValueError(f"{name} is shorter than {MIN_SECRET_BYTES} bytes; set {variables} to a long random value")


def identity_keys_source(value: str, *, development: bool, variables: str) -> str:
    """Where a service reads the gateway's public keys; outside development it must be given, over https if a URL."""
    if not value:
        if development:
            return str(DEV_JWKS)
        raise ValueError(f"identity_jwks is not set; set {variables} to the gateway's public JWKS (a file or https URL)")
    if not development and value.startswith("http://"):
        raise ValueError(f"identity_jwks must be an https URL or a file outside development; set {variables}")
    return value


class _SharedEnvSource(EnvSettingsSource):
    """Un-prefixed environment variables, for the settings all services share only."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        if field_name not in SHARED_SETTINGS:
            return None, field_name, False
        return super().get_field_value(field, field_name)


class ServiceSettings(BaseSettings):
    """Settings of one service; subclass it with `model_config = service_config("NAME")`."""

    model_config = SettingsConfigDict(extra="ignore")

    service_name: str = "service"
    # Production unless told otherwise: a forgotten setting must not switch on the development secrets.
    environment: str = "production"
    host: str = "127.0.0.1"
    port: int = 8100
    database_url: str = ""
    # How long a SQLite write waits for another writer's lock before the request answers 503.
    database_busy_timeout_seconds: float = 10.0
    # A request body larger than this is refused with 413 before the route reads it.
    max_request_body_bytes: int = 1024 * 1024
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    # The embedded broker cannot do the idempotent producer; Apache Kafka in production should.
    kafka_enable_idempotence: bool = False
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: str | None = None
    # The embedded broker answers a fetch only when its wait runs out, so keep the wait short.
    kafka_fetch_max_wait_ms: int = 20
    # The embedded broker holds a rebalance open for the whole rebalance timeout, so keep the group
    # timeouts short; Apache Kafka needs a session timeout of at least 6000 ms.
    kafka_session_timeout_ms: int = 2000
    kafka_heartbeat_interval_ms: int = 300
    kafka_rebalance_timeout_ms: int = 1000
    # The embedded broker keeps everything in memory, so a restart brings back an empty broker. It
    # then acknowledges records sent to a topic it no longer has without keeping them. With this on,
    # the relay refreshes metadata before each publish (recreating the topic first). Apache Kafka
    # keeps its state: turn it off. (A broker that lost its data is recognised either way, by its
    # cluster id or its offsets: servicekit.incarnation.)
    kafka_broker_is_ephemeral: bool = True
    # The gateway's public identity keys: a JWKS file or an https URL. Unset in development: the file the
    # development gateway writes (servicekit.identity.DEV_JWKS); outside development it must be set.
    identity_jwks: str = ""
    log_level: str = "INFO"
    relay_poll_seconds: float = 2.0
    relay_batch_size: int = 200
    # When the broker comes back without its data, the relay publishes again the rows it had published
    # to the lost broker, going back at most this far (and this far when it does not know when the lost
    # broker began: it was running before the relay started).
    relay_republish_window_seconds: float = 3600.0
    consumer_max_attempts: int = 3
    consumer_retry_backoff_seconds: float = 0.2
    # A consumer with records to read that applies none for this long is restarted (and counted in
    # consumer_restarts_total); /readyz reports it until it moves again. Waiting for the database does
    # not count.
    consumer_stuck_seconds: float = 30.0
    # Records a second the consumer applies at most, on average (0: as fast as it can). A consumer
    # catching up on a backlog (after a restart, a rebuild or an outage) otherwise takes the machine's
    # cycles from the requests of every process on it; set it well above the producers' peak rate, or
    # the consumer never catches up.
    consumer_max_records_per_second: float = 0.0
    consumers_enabled: bool = True
    consumer_group: str = ""

    @property
    def is_development(self) -> bool:
        return self.environment == "development"

    @model_validator(mode="after")
    def _defaults_and_secrets(self) -> ServiceSettings:
        self.consumer_group = self.consumer_group or self.service_name
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{REPO_ROOT / 'var' / (self.service_name + '.db')}"
        self.identity_jwks = identity_keys_source(
            self.identity_jwks, development=self.is_development,
            variables=f"{self.service_name.upper()}_IDENTITY_JWKS or IDENTITY_JWKS")
        return self

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings) -> tuple[PydanticBaseSettingsSource, ...]:
        shared = _SharedEnvSource(settings_cls, env_prefix="")
        return init_settings, env_settings, shared, dotenv_settings, file_secret_settings


def service_config(name: str) -> SettingsConfigDict:
    """Settings config reading `<NAME>_...` variables."""
    return SettingsConfigDict(env_prefix=f"{name.upper()}_", extra="ignore")
