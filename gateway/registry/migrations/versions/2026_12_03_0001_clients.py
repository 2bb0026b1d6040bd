"""The gateway's registry of API clients.

Revision ID: 2026_12_03_0001
Revises:
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "2026_12_03_0001"
down_revision = None
branch_labels = None
depends_on = None


def utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "gateway_clients",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("agency", sa.String(200)),
        sa.Column("secret_hash", sa.String(200), nullable=False),
        sa.Column("secret_version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        utc("created_at"),
        utc("updated_at"),
        utc("revoked_at", nullable=True),
    )
    op.create_index("ix_gateway_clients_created", "gateway_clients", ["created_at", "id"])


def downgrade() -> None:
    op.drop_table("gateway_clients")
