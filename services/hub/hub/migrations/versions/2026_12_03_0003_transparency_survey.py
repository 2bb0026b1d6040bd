"""Transparency records of use cases, and the annual survey's responses.

Revision ID: 2026_12_03_0003
Revises: 2026_11_27_0002
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "2026_12_03_0003"
down_revision = "2026_11_27_0002"
branch_labels = None
depends_on = None


def utc(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "hub_transparency_records",
        sa.Column("use_case_id", sa.String(36), primary_key=True),
        sa.Column("website_url", sa.String(2000)),
        *(sa.Column(name, sa.JSON, nullable=False) for name in (
            "owner", "description", "decision_making", "data", "maori_data_governance",
            "impact_assessments_completed", "risks")),
        sa.Column("eu_ai_act", sa.JSON),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        utc("created_at"),
        utc("updated_at"),
    )
    op.create_table(
        "hub_survey_responses",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("agency", sa.String(200), nullable=False),
        sa.Column("agency_key", sa.String(200), nullable=False),
        sa.Column("year", sa.Integer, nullable=False, index=True),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("submitted_by", sa.String(200), nullable=False, index=True),
        utc("submitted_at"),
        sa.UniqueConstraint("agency_key", "year", name="uq_hub_survey_responses_agency_year"),
    )


def downgrade() -> None:
    op.drop_table("hub_survey_responses")
    op.drop_table("hub_transparency_records")
