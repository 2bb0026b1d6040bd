"""Contracts of the catalogue service: the AI solution categories and engagement types."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from events.base import Contract, Event
from events.topics import event_type, topic

CATEGORY_TOPIC = topic(
    "catalogue.category.v1",
    producer="catalogue",
    description="Life of every category of the two-axis taxonomy: creation (seeded or by an admin), changes, "
                "retirement.",
    consumers=["hub"],
)

CategoryAxis = Literal["solution", "engagement"]
CategoryStatus = Literal["active", "retired"]


class CategoryState(Contract):
    """Public state of a category."""

    code: str = Field(description="Stable code, e.g. ai.document-processing; also the aggregate id")
    axis: CategoryAxis = Field(description="solution (what the AI does) or engagement (how it is delivered)")
    name: str
    description: str
    parent: str | None = Field(default=None, description="Code of the parent category; null at the top level")
    status: CategoryStatus


class CategoryEvent(Event):
    category: CategoryState


@event_type(CATEGORY_TOPIC, "nz.govt.marketplace.category.created.v1")
class CategoryCreated(CategoryEvent):
    """A category was added to the taxonomy (seeded from the data file or by an admin)."""


@event_type(CATEGORY_TOPIC, "nz.govt.marketplace.category.updated.v1")
class CategoryUpdated(CategoryEvent):
    """The name or description of a category changed."""


@event_type(CATEGORY_TOPIC, "nz.govt.marketplace.category.retired.v1")
class CategoryRetired(CategoryEvent):
    """An admin retired the category (reason given); offerings in it are kept."""
