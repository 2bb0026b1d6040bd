"""Categories of the two-axis taxonomy: the table, what an admin sends, and what callers see."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field
from sqlalchemy import Column, Text
from sqlmodel import Field as ColumnField
from sqlmodel import SQLModel

from events.catalogue import CategoryAxis, CategoryState, CategoryStatus
from servicekit.models import StrictModel
from servicekit.tables import utc_column

CODE_PATTERN = r"^[a-z0-9]+(\.[a-z0-9-]+)+$"
CategoryCode = Annotated[str, Field(min_length=3, max_length=80, pattern=CODE_PATTERN,
                                    description="Stable dotted code, e.g. ai.translation.te-reo-maori")]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Description = Annotated[str, Field(min_length=1, max_length=2000)]


class CategoryCreate(StrictModel):
    """A category an admin adds: at the top of an axis, or under an active parent of the same axis."""

    code: CategoryCode
    axis: CategoryAxis
    name: Name
    description: Description
    parent: CategoryCode | None = None


class CategoryUpdate(StrictModel):
    """What may change of a category: its name and description (its code never does)."""

    name: Name | None = None
    description: Description | None = None


class Category(SQLModel, table=True):
    """A category as the catalogue keeps it."""

    __tablename__ = "catalogue_categories"

    code: str = ColumnField(primary_key=True, max_length=80)
    axis: str = ColumnField(max_length=20, index=True)
    name: str = ColumnField(max_length=200)
    description: str = ColumnField(sa_column=Column(Text, nullable=False))
    parent: str | None = ColumnField(default=None, max_length=80, index=True, foreign_key="catalogue_categories.code")
    status: str = ColumnField(max_length=20, index=True)
    version: int = 1
    created_at: datetime = ColumnField(sa_column=utc_column())
    updated_at: datetime = ColumnField(sa_column=utc_column())


class CategoryPublic(BaseModel):
    """A category as callers see it."""

    code: str
    axis: CategoryAxis
    name: str
    description: str
    parent: str | None
    status: CategoryStatus
    version: int
    created_at: datetime
    updated_at: datetime


class CategoryNode(CategoryPublic):
    """A category with its children, in the tree."""

    children: list[CategoryNode] = []


class CategoryTree(BaseModel):
    """Top-level categories of both axes (solution first), children nested. A category whose parent
    the filters leave out is listed at the top."""

    data: list[CategoryNode]
    count: int = Field(description="How many categories the tree holds, children included")


def category_state(category: Category) -> CategoryState:
    """The public snapshot carried by every category event."""
    return CategoryState.model_validate(category, from_attributes=True)


CategoryNode.model_rebuild()
