"""Settings of the hub service (`HUB_` prefix)."""

from urllib.parse import urlsplit

from pydantic import Field, model_validator

from servicekit.settings import PLACEHOLDER_SECRETS, ServiceSettings, check_secret, service_config

DEV_SYNC_SECRET = "dev-hub-sync-secret-for-local-development-only"


class HubSettings(ServiceSettings):
    model_config = service_config("hub")

    service_name: str = "hub"
    port: int = 8105
    # The external AI Hub registry; unset, nothing is pushed (and nothing queued).
    sync_url: str | None = None
    # Signs every push (HMAC-SHA256, header X-Hub-Signature); the hub holds the same secret.
    sync_secret: str = DEV_SYNC_SECRET
    sync_timeout_seconds: float = 5.0
    sync_batch_size: int = 50
    sync_concurrency: int = 8
    sync_backoff_first_seconds: float = 0.2
    sync_backoff_cap_seconds: float = 60.0
    sync_poll_seconds: float = 2.0
    reconcile_interval_seconds: float = 3600.0
    # A closed survey year's figures are public only when at least this many agencies answered it.
    survey_min_agencies: int = Field(default=3, ge=2)

    @model_validator(mode="after")
    def _sync_safe_outside_development(self) -> "HubSettings":
        if not self.sync_url or self.is_development:
            return self
        # The pushes carry the registry and its signature over the network: never in the clear.
        if urlsplit(self.sync_url).scheme != "https":
            raise ValueError("sync_url must be an https URL outside development")
        check_secret(self.sync_secret, name="sync_secret", variables="HUB_SYNC_SECRET", development=False,
                     placeholders=PLACEHOLDER_SECRETS | {DEV_SYNC_SECRET})
        return self
