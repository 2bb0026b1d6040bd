"""`optional`: a partial-update body made from the create body's one field list."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import Field, ValidationError, model_validator

from servicekit.models import NOT_NULL, StrictModel, optional

Title = Annotated[str, Field(min_length=1, max_length=5)]


class NoteBase(StrictModel):
    title: Title
    tags: Annotated[list[str], Field(max_length=2)] = []

    @model_validator(mode="after")
    def _distinct(self):
        if self.tags and len(set(self.tags)) != len(self.tags):
            raise ValueError("tags must not repeat")
        return self


class NoteUpdate(optional(NoteBase)):
    """A change to a note."""


def test_every_field_may_be_left_out():
    assert NoteUpdate().model_dump(exclude_unset=True) == {}
    assert NoteUpdate(title=None).title is None


def test_fields_keep_their_constraints_and_the_validators_come_along():
    for body in ({"title": ""}, {"title": "too long"}, {"tags": ["a", "b", "c"]}, {"tags": ["a", "a"]}, {"x": 1}):
        with pytest.raises(ValidationError):
            NoteUpdate.model_validate(body)


def test_the_schema_is_the_one_written_out_by_hand():
    class Written(StrictModel):
        """A change to a note."""

        # Without null: a field the create body needs may be changed, not removed (refuse_removals).
        title: Annotated[Title, NOT_NULL] = None
        tags: Annotated[list[str], Field(max_length=2), NOT_NULL] = None

    assert NoteUpdate.model_json_schema() == Written.model_json_schema() | {"title": "NoteUpdate"}


def test_a_field_that_may_be_empty_stays_nullable():
    class Base(StrictModel):
        note: Annotated[str | None, Field(max_length=5)] = None

    schema = optional(Base).model_json_schema()["properties"]["note"]
    assert {"type": "null"} in schema["anyOf"]
