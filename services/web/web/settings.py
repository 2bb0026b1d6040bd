"""Settings of the web service (`WEB_` prefix)."""

from __future__ import annotations

from pydantic import Field, model_validator

from servicekit.settings import ServiceSettings, check_secret, service_config

DEV_COOKIE_SECRET = "web-dev-cookie-secret-for-local-development-only"
# The development clients of the gateway (gateway/clients.dev.json) a person may sign in as locally.
DEV_CLIENTS = ("buyer", "assessor", "admin", "partner")


class WebSettings(ServiceSettings):
    model_config = service_config("web")

    service_name: str = "web"
    port: int = 8107
    # Every page's data comes from here, the gateway's public API; never from a service directly.
    gateway_url: str = "http://127.0.0.1:8080"
    gateway_timeout_seconds: float = 30.0
    # Signs the CSRF tokens; outside development a long random value.
    cookie_secret: str = DEV_COOKIE_SECRET
    dev_clients: tuple[str, ...] = Field(default=DEV_CLIENTS)
    page_size: int = 20
    # Where people reach the pages (the gateway's public address): the sign-in callback is under it.
    public_url: str = "http://127.0.0.1:8080"
    # OpenID Connect sign-in (authorization code with PKCE). Unset: development sign-in only.
    oidc_issuer: str | None = None
    oidc_client_id: str = "marketplace-web"
    # A confidential client also proves itself with a secret; a public client relies on PKCE alone.
    oidc_client_secret: str | None = None
    # The scopes asked for; the access token must be one the gateway accepts (its JWKS, issuer, audience).
    oidc_scopes: str = "openid profile"
    oidc_timeout_seconds: float = 10.0

    @property
    def secure_cookies(self) -> bool:
        """Cookies only over HTTPS, except on a developer's machine."""
        return not self.is_development

    @model_validator(mode="after")
    def _refuse_placeholder_cookie_secret(self) -> WebSettings:
        check_secret(self.cookie_secret, name="cookie_secret", development=self.is_development,
                     variables="WEB_COOKIE_SECRET", placeholders={DEV_COOKIE_SECRET, ""})
        return self
