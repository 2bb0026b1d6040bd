"""Settings of the hub service (`HUB_` prefix)."""

from servicekit.settings import ServiceSettings, service_config


class HubSettings(ServiceSettings):
    model_config = service_config("hub")

    service_name: str = "hub"
    port: int = 8105
