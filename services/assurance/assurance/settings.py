"""Settings of the assurance service (`ASSURANCE_` prefix)."""

from servicekit.settings import ServiceSettings, service_config


class AssuranceSettings(ServiceSettings):
    model_config = service_config("assurance")

    service_name: str = "assurance"
    port: int = 8108
    # How long an accepted assessment stays current.
    current_months: int = 12
    # How often the scheduler lapses accepted assessments past their last current day.
    schedule_interval_seconds: float = 60.0
