"""Settings of the sample service (`SAMPLE_` prefix)."""

from servicekit.settings import ServiceSettings, service_config


class SampleSettings(ServiceSettings):
    model_config = service_config("sample")

    service_name: str = "sample"
    port: int = 8199
