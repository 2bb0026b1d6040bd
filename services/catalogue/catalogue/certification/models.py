"""What an assessor sends to mark a record, and what a supplier sends to replace an offering's records."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, model_validator

from catalogue.offering.models import AssuranceRecords
from events.catalogue import Verification
from servicekit.models import StrictModel


class RecordReview(StrictModel):
    """An assessor's finding on one record; a note (kept in the offering's history, for its supplier and the
    operators) says why, and is required unless the record is verified."""

    # `_note_given`, stated in the schema.
    model_config = ConfigDict(json_schema_extra={
        "if": {"required": ["verification"], "properties": {"verification": {"not": {"const": "verified"}}}},
        "then": {"required": ["note"], "properties": {"note": {"type": "string"}}}})

    verification: Verification
    note: Annotated[str | None, Field(min_length=1, max_length=2000)] = None

    @model_validator(mode="after")
    def _note_given(self) -> RecordReview:
        if self.verification != "verified" and not self.note:
            raise ValueError(f"note is required when a record is marked {self.verification}")
        return self


class RecordsReplacement(StrictModel):
    """Every assurance record of the offering, as it should now be (an empty list removes them all)."""

    assurance_records: AssuranceRecords
