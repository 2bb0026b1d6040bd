"""Settings of the accreditation service (`ACCREDITATION_` prefix)."""

from servicekit.settings import ServiceSettings, service_config


class AccreditationSettings(ServiceSettings):
    model_config = service_config("accreditation")

    service_name: str = "accreditation"
    port: int = 8103
    # How often the scheduler flags accreditations due for renewal and expires those past their date.
    schedule_interval_seconds: float = 60.0
