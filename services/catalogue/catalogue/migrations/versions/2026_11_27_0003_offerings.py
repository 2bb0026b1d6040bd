"""Offerings of suppliers, with their life cycle state.

Revision ID: 2026_11_27_0003
Revises: 2026_11_27_0002
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "2026_11_27_0003"
down_revision = "2026_11_27_0002"
branch_labels = None
depends_on = None


def utc(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "catalogue_offerings",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("supplier_id", sa.String(36), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("summary", sa.String(280), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("categories", sa.JSON, nullable=False),
        sa.Column("engagement_type", sa.String(80), nullable=False),
        sa.Column("pricing", sa.JSON, nullable=False),
        sa.Column("deployment", sa.String(20), nullable=False),
        sa.Column("data_residency", sa.JSON, nullable=False),
        sa.Column("te_reo_maori_support", sa.Boolean, nullable=False),
        sa.Column("model_provenance", sa.JSON, nullable=False),
        sa.Column("risk_tier", sa.String(20), nullable=False),
        sa.Column("human_oversight", sa.Text, nullable=False),
        sa.Column("maori_data", sa.JSON, nullable=False),
        sa.Column("assurance_records", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("suspended_reason", sa.String(20)),
        sa.Column("status_reason", sa.Text),
        sa.Column("version", sa.Integer, nullable=False),
        utc("created_at"),
        utc("updated_at"),
    )
    op.create_index("ix_catalogue_offerings_created", "catalogue_offerings", ["created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_catalogue_offerings_created", table_name="catalogue_offerings")
    op.drop_table("catalogue_offerings")
