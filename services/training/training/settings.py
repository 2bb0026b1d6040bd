"""Settings of the training service (`TRAINING_` prefix)."""

from servicekit.settings import ServiceSettings, service_config


class TrainingSettings(ServiceSettings):
    model_config = service_config("training")

    service_name: str = "training"
    port: int = 8104
