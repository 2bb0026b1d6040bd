"""Outside development the hub pushes only over https, signed with a real secret."""

import pytest
from pydantic import ValidationError

from hub.settings import HubSettings

STRONG = "a-long-random-secret-for-the-hub-pushes-0123"


def test_sync_outside_development_needs_https_and_a_real_secret():
    production = {"environment": "production", "identity_jwks": "/etc/marketplace/identity-jwks.json"}
    with pytest.raises(ValidationError, match="https"):
        HubSettings(**production, sync_url="http://hub.example.govt.nz", sync_secret=STRONG)
    with pytest.raises(ValidationError, match="placeholder"):
        HubSettings(**production, sync_url="https://hub.example.govt.nz")
    with pytest.raises(ValidationError, match="shorter than 32 bytes"):
        HubSettings(**production, sync_url="https://hub.example.govt.nz", sync_secret="short-secret")
    assert HubSettings(**production, sync_url="https://hub.example.govt.nz", sync_secret=STRONG).sync_url
    # Development keeps plain http for the fake hub on loopback.
    assert HubSettings(environment="development", sync_url="http://127.0.0.1:9").sync_url
