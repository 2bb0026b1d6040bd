"""Transparency records of agencies' AI use cases, in the shape of the UK Algorithmic Transparency Recording
Standard (ATRS): tier 1 for the public at a glance, tier 2 in detail; with the EU AI Act's risk class and its
Annex VIII registration fields when the use case's impact is high.

What the use case already states (name, description, agency, phase, benefit, contact, Māori data, where the
impact assessments stand) is read from it, never stated twice; the supplier and offering used come from the
marketplace where the use case links one. The record adds the rest."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, EmailStr, Field, HttpUrl, model_validator
from sqlalchemy import JSON, Column
from sqlmodel import Field as ColumnField
from sqlmodel import SQLModel

from hub.usecase.models import ImpactAssessments, LinkStatus, MaoriDataBlock, Name, Phase, RiskLevel, Statement
from servicekit.models import StrictModel
from servicekit.tables import utc_column

OptionalStatement = Statement | None
EuRiskClass = Literal["prohibited", "high", "limited", "minimal"]
SystemStatus = Literal["in_service", "on_the_market", "no_longer_in_service", "recalled"]
RiskCategory = Literal["accuracy", "bias_and_fairness", "privacy", "security", "transparency", "human_oversight",
                       "maori_data_sovereignty", "supplier", "other"]


class Owner(StrictModel):
    """ATRS 1: owner and responsibility (the organisation is the use case's agency)."""

    team: Name
    senior_responsible_owner: Name
    external_supplier_role: OptionalStatement = None
    supplier_data_access_terms: OptionalStatement = None


class Description(StrictModel):
    """ATRS 2: description and rationale (the benefit is the use case's purpose and benefit)."""

    detailed_description: Statement
    scope: Statement
    alternatives_considered: Statement
    maintenance: Statement
    models: Statement


class DecisionMaking(StrictModel):
    """ATRS 3: how the tool sits in the decision and where people oversee it."""

    process_integration: Statement
    provided_information: Statement
    frequency_and_scale: Statement
    human_decisions_and_review: Statement
    required_training: Statement
    appeals_and_review: Statement


class Data(StrictModel):
    """ATRS 4: the data and its sources."""

    source_data_name: Name
    data_modality: Name
    data_description: Statement
    data_quantities: OptionalStatement = None
    sensitive_attributes: OptionalStatement = None
    completeness_and_representativeness: OptionalStatement = None
    source_data_url: HttpUrl | None = None
    data_collection: Statement
    data_cleaning: OptionalStatement = None
    data_sharing_agreements: OptionalStatement = None
    data_access_and_storage: Statement


class MaoriDataGovernance(StrictModel):
    """Māori data governance beyond what the use case states: how sovereignty is upheld and what Māori gain.
    `arrangements` is required when the use case involves (or may involve) Māori data."""

    arrangements: OptionalStatement = None
    benefit_to_maori: OptionalStatement = None


class CompletedAssessment(StrictModel):
    """ATRS 5.1: one impact assessment completed."""

    name: Name
    description: Statement
    completed_on: date
    link: HttpUrl | None = None


class Risk(StrictModel):
    """ATRS 5.2: one risk and how it is mitigated."""

    name: Name
    category: RiskCategory
    description: Statement
    mitigation: Statement


class AnnexVIII(StrictModel):
    """EU AI Act Annex VIII registration: section C (a public authority deploying a high-risk system, Article
    49(3)) with the provider's details of section A that a deployer's register entry names."""

    # Section C
    deployer_address: Statement
    deployer_contact_email: EmailStr
    submitted_by: Name
    provider_database_url: HttpUrl | None = None
    fundamental_rights_impact_summary: Statement
    data_protection_impact_summary: Statement
    # Section A (the provider's system)
    provider_name: Name
    trade_name: Name
    intended_purpose: Statement
    system_status: SystemStatus
    notified_body_certificate: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    member_states: Annotated[list[Annotated[str, Field(pattern=r"^[A-Z]{2}$")]], Field(max_length=30)] = []


class EuAiAct(StrictModel):
    """The EU AI Act's risk class; a high-risk system carries its Annex VIII registration fields."""

    risk_class: EuRiskClass
    annex_viii: AnnexVIII | None = None

    @model_validator(mode="after")
    def _registered_when_high(self) -> EuAiAct:
        if self.risk_class == "high" and self.annex_viii is None:
            raise ValueError("annex_viii is required when risk_class is high")
        return self


class TransparencyRecordIn(StrictModel):
    """The whole record as the agency's buyer (or an admin) writes it; a PUT replaces it whole."""

    website_url: HttpUrl | None = None
    owner: Owner
    description: Description
    decision_making: DecisionMaking
    data: Data
    maori_data_governance: MaoriDataGovernance = MaoriDataGovernance()
    impact_assessments_completed: Annotated[list[CompletedAssessment], Field(max_length=20)] = []
    risks: Annotated[list[Risk], Field(min_length=1, max_length=30)]
    eu_ai_act: EuAiAct | None = None


class TransparencyRecord(SQLModel, table=True):
    """A use case's transparency record; each section is JSON, replaced whole."""

    __tablename__ = "hub_transparency_records"

    use_case_id: str = ColumnField(primary_key=True, max_length=36)
    website_url: str | None = ColumnField(default=None, max_length=2000)
    owner: dict = ColumnField(sa_column=Column(JSON, nullable=False))
    description: dict = ColumnField(sa_column=Column(JSON, nullable=False))
    decision_making: dict = ColumnField(sa_column=Column(JSON, nullable=False))
    data: dict = ColumnField(sa_column=Column(JSON, nullable=False))
    maori_data_governance: dict = ColumnField(sa_column=Column(JSON, nullable=False))
    impact_assessments_completed: list = ColumnField(sa_column=Column(JSON, nullable=False))
    risks: list = ColumnField(sa_column=Column(JSON, nullable=False))
    eu_ai_act: dict | None = ColumnField(default=None, sa_column=Column(JSON, nullable=True))
    created_by: str = ColumnField(max_length=200)
    version: int = 1
    created_at: datetime = ColumnField(sa_column=utc_column())
    updated_at: datetime = ColumnField(sa_column=utc_column())


class Tier1(BaseModel):
    """ATRS tier 1: what the public sees at a glance."""

    name: str
    description: str
    organisation: str
    phase: Phase
    website_url: str | None
    contact_email: str


class OwnerPublic(Owner):
    organisation: str


class DescriptionPublic(Description):
    benefit: str


class DecisionMakingPublic(DecisionMaking):
    human_oversight: str


class DataPublic(Data):
    model_type: str


class MaoriDataGovernancePublic(MaoriDataBlock, MaoriDataGovernance):
    pass


class AssessmentsPublic(BaseModel):
    """Where the use case's privacy and algorithm impact assessments stand, and those completed."""

    status: ImpactAssessments
    completed: list[CompletedAssessment]


class MarketplaceOffering(BaseModel):
    """An offering the use case links, as the marketplace describes it (unknown: never heard of)."""

    offering_id: str
    offering_name: str | None
    supplier_id: str | None
    supplier_name: str | None
    status: LinkStatus


class Tier2(BaseModel):
    owner: OwnerPublic
    description: DescriptionPublic
    decision_making: DecisionMakingPublic
    data: DataPublic
    maori_data_governance: MaoriDataGovernancePublic
    impact_assessments: AssessmentsPublic
    risks: list[Risk]
    marketplace: list[MarketplaceOffering]


class Gap(BaseModel):
    field: str
    message: str


class TransparencyRecordPublic(BaseModel):
    """The record with what its use case states; `gaps` name what the use case now requires that the record,
    written before the use case changed, lacks (empty when complete)."""

    use_case_id: str
    risk_level: RiskLevel
    tier1: Tier1
    tier2: Tier2
    eu_ai_act: EuAiAct | None
    gaps: list[Gap]
    created_by: str
    version: int
    created_at: datetime
    updated_at: datetime
