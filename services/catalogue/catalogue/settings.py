"""Settings of the catalogue service (`CATALOGUE_` prefix)."""

from servicekit.settings import ServiceSettings, service_config


class CatalogueSettings(ServiceSettings):
    model_config = service_config("catalogue")

    service_name: str = "catalogue"
    port: int = 8102
