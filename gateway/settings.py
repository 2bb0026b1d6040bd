"""Gateway settings, read from `GATEWAY_*` environment variables."""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from servicekit.identity import DEV_PRIVATE_KEY
from servicekit.settings import REPO_ROOT

GATEWAY_DIR = Path(__file__).resolve().parent
DEFAULT_OPS_PORT = 8090

RATE_RULE = re.compile(r"[A-Z]+ /api/v1/\S+")
RATE_BUDGET = re.compile(r"[1-9][0-9]*/(second|minute|hour)")


class GatewaySettings(BaseSettings):
    """Everything the gateway needs to know at startup."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", populate_by_name=True)

    # Shared with the services, so a single un-prefixed variable may configure all of them.
    # Production unless told otherwise, as in every service.
    environment: str = Field("production", validation_alias=AliasChoices("GATEWAY_ENVIRONMENT", "ENVIRONMENT"))
    # The Ed25519 private key (PEM) that signs the identity header; only the gateway holds it, the services
    # get its public JWKS. Unset in development: a key made on first start in var/identity; else required.
    identity_key_file: Path | None = None
    # How long the standing of a supplier's client (secret version, may it sign in) is trusted before it
    # is asked again: a rotated secret or a deregistered supplier stops its tokens within this time.
    client_check_cache_seconds: float = Field(30.0, ge=0, le=30)
    host: str = "127.0.0.1"
    port: int = 8080

    suppliers_url: str = "http://127.0.0.1:8101"
    catalogue_url: str = "http://127.0.0.1:8102"
    accreditation_url: str = "http://127.0.0.1:8103"
    training_url: str = "http://127.0.0.1:8104"
    hub_url: str = "http://127.0.0.1:8105"
    # The web pages: every path outside /api/v1/ that the gateway does not answer itself.
    web_url: str = "http://127.0.0.1:8107"
    partners_url: str = "http://127.0.0.1:8106"
    assistant_url: str = "http://127.0.0.1:8109"
    assurance_url: str = "http://127.0.0.1:8108"
    upstream_timeout_seconds: float = 10.0
    # Extra per-route timeouts, path glob -> seconds, added to routes.ROUTE_TIMEOUTS.
    route_timeouts: dict[str, float] = Field(default_factory=dict)
    # Each service has a pool of its own, so one slow service cannot take every connection.
    upstream_connection_limit: int = 200
    # Below uvicorn's 5 s keep-alive, so the gateway drops an idle connection before the service does.
    upstream_keepalive_seconds: float = 4.0
    max_buffered_body_bytes: int = 65536
    # Larger request bodies are refused with 413 before they reach a service.
    max_request_body_bytes: int = 1024 * 1024
    # Per-route body limits, path glob -> bytes, added to routes.ROUTE_BODY_LIMITS.
    route_body_limits: dict[str, int] = Field(default_factory=dict)
    # Per-route request budgets, "METHOD path glob" -> "<count>/<second|minute|hour>" or "off", over
    # routes.ROUTE_RATE_LIMITS (e.g. anonymous registrations per address).
    route_rate_limits: dict[str, str] = Field(default_factory=dict)
    # A request must have arrived whole (its body included) this long after it began, else 408.
    request_deadline_seconds: float = 30.0
    # Proxies (addresses or CIDRs) whose X-Forwarded-For names the client; none: the peer is the client.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # /metrics and /readyz live here, not on the public port. Unset: 8090, but in development any free
    # port (logged at startup), so that several local gateways and test runs never collide.
    ops_host: str = "127.0.0.1"
    ops_port: int | None = None

    # Bootstrap clients (the first admin); every other client is made in the client registry.
    clients_file: Path = GATEWAY_DIR / "clients.dev.json"
    # The client registry's own database: SQLite (var/gateway.db) unless a PostgreSQL URL is given.
    clients_database_url: str = ""
    jwks_url: str | None = None
    # With jwks_url: the claim of the identity provider's access token that names a buyer's agency.
    agency_claim: str = Field("agency", min_length=1)
    jwt_issuer: str = "marketplace-gateway"
    jwt_audience: str = "marketplace-api"
    jwt_leeway_seconds: int = 30
    token_ttl_seconds: int = 3600
    signing_key_file: Path | None = None

    rate_limit_per_second: float = 50.0
    rate_limit_burst: int = 100
    # Each token request costs a PBKDF2 check (~0.1 s of CPU), so it gets a much smaller budget per IP.
    token_rate_limit_per_second: float = 2.0
    token_rate_limit_burst: int = 20
    # And per client id, so guessing one client's secret from many addresses is as slow (unset: as per IP).
    token_client_rate_limit_per_second: float | None = None
    token_client_rate_limit_burst: int | None = None
    openapi_cache_seconds: float = 30.0
    # Freeze the startup heap and collect the young generation less often; see Gateway.lifespan.
    gc_tuning: bool = True

    @property
    def is_development(self) -> bool:
        return self.environment == "development"

    def upstreams(self) -> dict[str, str]:
        """Base URL of each service, by service name."""
        return {
            "suppliers": self.suppliers_url, "catalogue": self.catalogue_url,
            "accreditation": self.accreditation_url, "training": self.training_url, "hub": self.hub_url,
            "partners": self.partners_url, "assistant": self.assistant_url, "assurance": self.assurance_url,
        }

    @field_validator("route_rate_limits")
    @classmethod
    def _check_route_rate_limits(cls, value: dict[str, str]) -> dict[str, str]:
        for rule, budget in value.items():
            if not RATE_RULE.fullmatch(rule) or not (budget == "off" or RATE_BUDGET.fullmatch(budget)):
                raise ValueError(f"{rule!r}: {budget!r}: a route rate limit is 'METHOD /api/v1/<glob>' -> "
                                 "'<count>/<second|minute|hour>' or 'off'")
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value):
        # `10.0.0.0/8, 192.168.1.10` as well as a JSON list.
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or CIDR network") from None
        return value

    @model_validator(mode="after")
    def _fill_defaults(self) -> GatewaySettings:
        if not self.clients_database_url:
            self.clients_database_url = f"sqlite+aiosqlite:///{REPO_ROOT / 'var' / 'gateway.db'}"
        if self.ops_port is None:
            self.ops_port = 0 if self.is_development else DEFAULT_OPS_PORT
        if self.token_client_rate_limit_per_second is None:
            self.token_client_rate_limit_per_second = self.token_rate_limit_per_second
        if self.token_client_rate_limit_burst is None:
            self.token_client_rate_limit_burst = self.token_rate_limit_burst
        return self

    @model_validator(mode="after")
    def _need_identity_key(self) -> GatewaySettings:
        if self.identity_key_file is None:
            if not self.is_development:
                raise ValueError("identity_key_file is not set; set GATEWAY_IDENTITY_KEY_FILE to the gateway's "
                                 "Ed25519 private key (make one: python -m servicekit.identity key PATH)")
            self.identity_key_file = DEV_PRIVATE_KEY
        return self
