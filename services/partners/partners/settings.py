"""Settings of the partners service (`PARTNERS_` prefix)."""

from pydantic import Field, model_validator

from servicekit.settings import PLACEHOLDER_SECRETS, ServiceSettings, check_secret, service_config

DEV_SECRET_KEY = "dev-partners-secret-key-for-local-development-only"


class PartnersSettings(ServiceSettings):
    model_config = service_config("partners")

    service_name: str = "partners"
    port: int = 8106
    # Encrypts the subscriptions' signing secrets at rest (they must be kept to sign, so they cannot be hashed).
    secret_key: str = DEV_SECRET_KEY
    # Deliverable events are kept this long, for the pull feed, recover and resend.
    retention_days: float = Field(30.0, gt=0)
    retention_interval_seconds: float = 3600.0
    # Multiplies every delay of the retry schedule (tests run it in seconds); jitter is this share of a delay.
    retry_scale: float = Field(1.0, gt=0)
    retry_jitter: float = Field(0.2, ge=0, le=1)
    attempt_timeout_seconds: float = Field(10.0, gt=0)
    # A subscription whose sink failed continuously this long is disabled.
    disable_after_failing_seconds: float = Field(3 * 24 * 3600.0, gt=0)
    # After a rotation, deliveries carry a signature by the previous secret too, this long.
    rotation_overlap_seconds: float = Field(24 * 3600.0, ge=0)
    default_rate_limit: int = Field(10, ge=1)
    deliveries_enabled: bool = True
    delivery_concurrency: int = Field(64, ge=1)
    # In-flight deliveries per subscription at most, so a slow sink holds only its own share of the workers.
    delivery_per_subscription: int = Field(8, ge=1)
    delivery_batch_size: int = Field(100, ge=1)
    # A claimed delivery whose worker vanished (a crash) is claimed again after this long.
    lease_seconds: float = Field(60.0, gt=0)
    worker_poll_seconds: float = Field(1.0, gt=0)
    feed_max_wait_seconds: float = Field(30.0, ge=0)
    metrics_interval_seconds: float = 5.0

    @model_validator(mode="after")
    def _secret_key_set_outside_development(self) -> "PartnersSettings":
        check_secret(self.secret_key, name="secret_key", variables="PARTNERS_SECRET_KEY",
                     development=self.is_development, placeholders=PLACEHOLDER_SECRETS | {DEV_SECRET_KEY})
        if self.lease_seconds <= self.attempt_timeout_seconds:
            raise ValueError("lease_seconds must be longer than attempt_timeout_seconds")
        return self
