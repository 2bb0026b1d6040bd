"""Supplier API clients and agreements.

Revision ID: 2026_11_27_0002
Revises: 2026_11_27_0001
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "2026_11_27_0002"
down_revision = "2026_11_27_0001"
branch_labels = None
depends_on = None


def utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "supplier_clients",
        sa.Column("client_id", sa.String(40), primary_key=True),
        sa.Column("supplier_id", sa.String(36), sa.ForeignKey("suppliers.id"), nullable=False, unique=True),
        sa.Column("secret_hash", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        utc("created_at"),
        utc("rotated_at", nullable=True),
    )
    op.create_table(
        "agreements",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("supplier_id", sa.String(36), sa.ForeignKey("suppliers.id"), nullable=False, index=True),
        sa.Column("type", sa.String(30), nullable=False),
        sa.Column("terms_version", sa.String(40), nullable=False),
        sa.Column("scope", sa.JSON, nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=False, index=True),
        sa.Column("commitments", sa.JSON),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("offered_by", sa.String(200), nullable=False),
        sa.Column("supplier_signatory", sa.JSON),
        utc("supplier_signed_at", nullable=True),
        sa.Column("countersigned_by", sa.String(200)),
        utc("countersigned_at", nullable=True),
        sa.Column("variations", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        utc("created_at"),
        utc("updated_at"),
    )


def downgrade() -> None:
    op.drop_table("agreements")
    op.drop_table("supplier_clients")
