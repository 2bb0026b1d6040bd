"""The offering and use-case projections, questionnaires and assessments.

Revision ID: 2026_12_03_0002
Revises: 2026_12_03_0001
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "2026_12_03_0002"
down_revision = "2026_12_03_0001"
branch_labels = None
depends_on = None


def utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def stamps() -> list[sa.Column]:
    return [sa.Column("version", sa.Integer, nullable=False), utc("changed_at"), utc("applied_at")]


def upgrade() -> None:
    op.create_table(
        "assurance_offerings",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("supplier_id", sa.String(36), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        *stamps(),
    )
    op.create_table(
        "assurance_use_cases",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("source_id", sa.String(36), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("agency", sa.String(200)),
        sa.Column("status", sa.String(30), nullable=False),
        *stamps(),
    )
    op.create_table(
        "assurance_questionnaires",
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("title", sa.String(2000), nullable=False),
        sa.Column("description", sa.String(10000), nullable=False),
        sa.Column("scoring", sa.JSON, nullable=False),
        sa.Column("sections", sa.JSON, nullable=False),
        sa.Column("published_by", sa.String(200), nullable=False),
        utc("published_at"),
    )
    op.create_table(
        "assurance_assessments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("subject_type", sa.String(20), nullable=False),
        sa.Column("subject_id", sa.String(36), nullable=False, index=True),
        sa.Column("supplier_id", sa.String(36), index=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("questionnaire_version", sa.Integer, nullable=False),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("score", sa.JSON, nullable=False),
        sa.Column("raw_impact_score", sa.Integer, nullable=False),
        sa.Column("mitigation_score", sa.Integer, nullable=False),
        sa.Column("current_score", sa.Float, nullable=False),
        sa.Column("impact_level", sa.String(3), nullable=False),
        sa.Column("commitments_addressed", sa.JSON, nullable=False),
        sa.Column("commitments_not_addressed", sa.JSON, nullable=False),
        sa.Column("reviews", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("accepted_on", sa.Date),
        sa.Column("current_until", sa.Date, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        utc("created_at"),
        utc("updated_at"),
    )
    op.create_index("ix_assurance_assessments_created", "assurance_assessments", ["created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_assurance_assessments_created", table_name="assurance_assessments")
    for table in ("assurance_assessments", "assurance_questionnaires", "assurance_use_cases", "assurance_offerings"):
        op.drop_table(table)
