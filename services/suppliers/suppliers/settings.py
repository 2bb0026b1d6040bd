"""Settings of the suppliers service (`SUPPLIERS_` prefix)."""

from servicekit.settings import ServiceSettings, service_config


class SuppliersSettings(ServiceSettings):
    model_config = service_config("suppliers")

    service_name: str = "suppliers"
    port: int = 8101
    agreement_expiry_interval_seconds: float = 60.0
