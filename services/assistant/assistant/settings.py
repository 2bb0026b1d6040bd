"""Settings of the assistant service (`ASSISTANT_` prefix)."""

from pydantic import Field

from servicekit.settings import ServiceSettings, service_config


class AssistantSettings(ServiceSettings):
    model_config = service_config("assistant")

    service_name: str = "assistant"
    port: int = 8109
    # A phrase becomes a category filter when its embedding is at least this close to the category's name
    # (cosine), and this much closer than to any other category outside its own branch.
    category_similarity: float = Field(0.6, gt=0, le=1)
    category_margin: float = Field(0.1, ge=0, le=1)
    # A record with words to rank by is a result when its best passage is at least this close (cosine),
    # or holds one of the words.
    result_similarity: float = Field(0.3, ge=0, le=1)
