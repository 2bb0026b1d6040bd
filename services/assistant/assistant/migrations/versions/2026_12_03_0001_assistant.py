"""The toolkit tables and the assistant's read model.

Revision ID: 2026_12_03_0001
Revises:
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

from servicekit.migrations import create_toolkit_tables, drop_toolkit_tables

revision = "2026_12_03_0001"
down_revision = None
branch_labels = None
depends_on = None


def stamps() -> list[sa.Column]:
    return [sa.Column("version", sa.Integer, nullable=False),
            sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False)]


def upgrade() -> None:
    create_toolkit_tables()
    op.create_table(
        "assistant_records",
        sa.Column("id", sa.String(60), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False, index=True),
        sa.Column("source_id", sa.String(36), nullable=False),
        sa.Column("live", sa.Boolean, nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("link", sa.String(200), nullable=False),
        sa.Column("categories", sa.JSON, nullable=False),
        sa.Column("engagement_type", sa.String(80)),
        sa.Column("data_residency", sa.String(20)),
        sa.Column("te_reo_maori_support", sa.Boolean),
        sa.Column("risk_tier", sa.String(20)),
        sa.Column("price_min", sa.Float),
        sa.Column("price_max", sa.Float),
        sa.Column("assurance", sa.JSON, nullable=False),
        sa.Column("supplier_id", sa.String(36)),
        sa.Column("passages", sa.JSON, nullable=False),
        sa.Column("vectors", sa.LargeBinary, nullable=False),
        sa.Column("model", sa.String(120), nullable=False),
        *stamps(),
    )
    op.create_table(
        "assistant_categories",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("axis", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("parent", sa.String(80)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
        sa.Column("model", sa.String(120), nullable=False),
        *stamps(),
    )
    op.create_table(
        "assistant_suppliers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("legal_name", sa.String(200), nullable=False),
        sa.Column("trading_name", sa.String(200)),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("size", sa.String(10), nullable=False),
        sa.Column("maori_business", sa.Boolean, nullable=False),
        *stamps(),
    )


def downgrade() -> None:
    op.drop_table("assistant_suppliers")
    op.drop_table("assistant_categories")
    op.drop_table("assistant_records")
    drop_toolkit_tables()
