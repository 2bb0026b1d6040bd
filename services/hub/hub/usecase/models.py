"""Agency AI use cases (after the UK Algorithmic Transparency Recording Standard and the Dutch
algorithm register): the table, what buyers send, and what callers see."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, EmailStr, Field, model_validator
from sqlalchemy import JSON, Column, Text
from sqlmodel import Field as ColumnField
from sqlmodel import SQLModel

from servicekit.models import StrictModel
from servicekit.tables import utc_column

Phase = Literal["idea", "design", "development", "pilot", "production", "retired"]
StartPhase = Literal["idea", "design", "development", "pilot", "production"]
RiskLevel = Literal["minimal", "limited", "high"]
AssessmentStatus = Literal["not_started", "in_progress", "completed", "not_required"]
MaoriDataInvolvement = Literal["yes", "no", "unsure"]
LinkStatus = Literal["listed", "left_marketplace", "unknown"]

Name = Annotated[str, Field(min_length=1, max_length=200)]
ShortDescription = Annotated[str, Field(min_length=1, max_length=350)]
Statement = Annotated[str, Field(min_length=1, max_length=4000)]
OfferingId = Annotated[str, Field(min_length=1, max_length=36)]
LinkedOfferings = Annotated[list[OfferingId], Field(max_length=20, description="Marketplace offering ids")]
CategoryCode = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9.-]*$")]


class ImpactAssessments(StrictModel):
    """Where the agency's privacy and algorithm impact assessments stand."""

    privacy: AssessmentStatus
    algorithm: AssessmentStatus


class MaoriDataBlock(StrictModel):
    """Whether Māori data is involved; its status, engagement with iwi and governance are stated unless it is not."""

    involves: MaoriDataInvolvement
    data_status: Annotated[str | None, Field(min_length=1, max_length=1000)] = None
    iwi_engagement: Annotated[str | None, Field(min_length=1, max_length=2000)] = None
    governance: Annotated[str | None, Field(min_length=1, max_length=4000)] = None

    @model_validator(mode="after")
    def _governance_stated(self) -> MaoriDataBlock:
        if self.involves != "no" and not self.governance:
            raise ValueError(f"governance is required when involves is {self.involves}")
        return self


class Contact(StrictModel):
    """Who answers questions about the use case (a team mailbox is best)."""

    name: Name
    email: EmailStr
    role: Annotated[str | None, Field(min_length=1, max_length=200)] = None


class _Dates(StrictModel):
    @model_validator(mode="after")
    def _dates_ordered(self):
        if self.started_on and self.review_due_on and self.review_due_on < self.started_on:
            raise ValueError("review_due_on must not be before started_on")
        if len(set(self.linked_offering_ids or [])) != len(self.linked_offering_ids or []):
            raise ValueError("linked_offering_ids must not repeat an id")
        return self


class UseCaseCreate(_Dates):
    """A use case as an agency registers it (in any phase but retired)."""

    # A buyer's comes from its token (naming another agency is 403); an admin names it.
    agency: Annotated[Name | None, Field(description="the agency the use case belongs to: for a buyer, its own "
                                                     "(from its token; may be left out); an admin must name it")] = None
    name: Name
    short_description: ShortDescription
    purpose_and_benefit: Statement
    phase: StartPhase = "idea"
    category: CategoryCode | None = None
    risk_level: RiskLevel
    human_oversight: Statement
    data_used: Statement
    model_type: Name
    linked_offering_ids: LinkedOfferings = []
    impact_assessments: ImpactAssessments
    maori_data: MaoriDataBlock
    contact: Contact
    started_on: date | None = None
    review_due_on: date | None = None


class UseCaseUpdate(_Dates):
    """What changes of a use case; nested objects are replaced whole. The phase moves by transitions."""

    agency: Name | None = None
    name: Name | None = None
    short_description: ShortDescription | None = None
    purpose_and_benefit: Statement | None = None
    category: CategoryCode | None = None
    risk_level: RiskLevel | None = None
    human_oversight: Statement | None = None
    data_used: Statement | None = None
    model_type: Name | None = None
    linked_offering_ids: LinkedOfferings | None = None
    impact_assessments: ImpactAssessments | None = None
    maori_data: MaoriDataBlock | None = None
    contact: Contact | None = None
    started_on: date | None = None
    review_due_on: date | None = None


class UseCase(SQLModel, table=True):
    """A use case as the hub keeps it; nested parts are JSON."""

    __tablename__ = "hub_use_cases"

    id: str = ColumnField(default_factory=lambda: str(uuid.uuid4()), primary_key=True, max_length=36)
    agency: str = ColumnField(max_length=200, index=True)
    name: str = ColumnField(max_length=200)
    short_description: str = ColumnField(max_length=350)
    purpose_and_benefit: str = ColumnField(sa_column=Column(Text, nullable=False))
    phase: str = ColumnField(max_length=20, index=True)
    category: str | None = ColumnField(default=None, max_length=100)
    risk_level: str = ColumnField(max_length=20)
    human_oversight: str = ColumnField(sa_column=Column(Text, nullable=False))
    data_used: str = ColumnField(sa_column=Column(Text, nullable=False))
    model_type: str = ColumnField(max_length=200)
    linked_offering_ids: list = ColumnField(default_factory=list, sa_column=Column(JSON, nullable=False))
    impact_assessments: dict = ColumnField(sa_column=Column(JSON, nullable=False))
    maori_data: dict = ColumnField(sa_column=Column(JSON, nullable=False))
    contact: dict = ColumnField(sa_column=Column(JSON, nullable=False))
    started_on: date | None = None
    review_due_on: date | None = None
    created_by: str = ColumnField(max_length=200)
    version: int = 1
    created_at: datetime = ColumnField(sa_column=utc_column())
    updated_at: datetime = ColumnField(sa_column=utc_column())
    phase_changed_at: datetime = ColumnField(sa_column=utc_column())

    @property
    def status(self) -> str:
        """The life cycle state is the phase."""
        return self.phase


class UseCaseLink(SQLModel, table=True):
    """A use case's link to a marketplace offering, indexed by offering so a change of it is followed."""

    __tablename__ = "hub_use_case_links"

    use_case_id: str = ColumnField(primary_key=True, max_length=36)
    offering_id: str = ColumnField(primary_key=True, max_length=36, index=True)


class LinkPublic(BaseModel):
    """A linked offering and whether it is in the marketplace now (left_marketplace once it leaves)."""

    offering_id: str
    status: LinkStatus


class UseCasePublic(BaseModel):
    id: str
    entry_id: str
    agency: str
    name: str
    short_description: str
    purpose_and_benefit: str
    phase: Phase
    category: str | None
    risk_level: RiskLevel
    human_oversight: str
    data_used: str
    model_type: str
    linked_offerings: list[LinkPublic]
    impact_assessments: ImpactAssessments
    maori_data: MaoriDataBlock
    contact: Contact
    started_on: date | None
    review_due_on: date | None
    created_by: str
    version: int
    created_at: datetime
    updated_at: datetime
    phase_changed_at: datetime
