"""Suppliers table and the toolkit tables.

Revision ID: 2026_11_27_0001
Revises:
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

from servicekit.migrations import create_toolkit_tables, drop_toolkit_tables

revision = "2026_11_27_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_toolkit_tables()
    op.create_table(
        "suppliers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("legal_name", sa.String(200), nullable=False, index=True),
        sa.Column("trading_name", sa.String(200)),
        sa.Column("nzbn", sa.String(13), unique=True),
        sa.Column("country", sa.String(2)),
        sa.Column("registration_id", sa.String(50)),
        sa.Column("org_id", sa.String(80), nullable=False),
        sa.Column("size", sa.String(10), nullable=False),
        sa.Column("website", sa.String(300)),
        sa.Column("contacts", sa.JSON, nullable=False),
        sa.Column("maori_business", sa.Boolean, nullable=False),
        sa.Column("pasifika_business", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(30), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("suppliers")
    drop_toolkit_tables()
