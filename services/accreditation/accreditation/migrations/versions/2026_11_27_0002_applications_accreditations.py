"""The supplier projection, applications and accreditations.

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
        "accreditation_suppliers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("legal_name", sa.String(200), nullable=False),
        sa.Column("trading_name", sa.String(200)),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        utc("changed_at"),
        utc("applied_at"),
    )
    op.create_table(
        "applications",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("supplier_id", sa.String(36), nullable=False, index=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("accreditation_id", sa.String(36), index=True),
        sa.Column("training_areas", sa.JSON, nullable=False),
        sa.Column("audiences", sa.JSON, nullable=False),
        sa.Column("trainers", sa.JSON, nullable=False),
        sa.Column("delivery_history", sa.Text, nullable=False),
        sa.Column("quality_process", sa.Text, nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("exchanges", sa.JSON, nullable=False),
        sa.Column("status", sa.String(30), nullable=False, index=True),
        sa.Column("ratings", sa.JSON, nullable=False),
        sa.Column("decided_by", sa.String(200)),
        utc("decided_at", nullable=True),
        sa.Column("decision_reason", sa.Text),
        utc("submitted_at", nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        utc("created_at"),
        utc("updated_at"),
    )
    op.create_index("ix_applications_created", "applications", ["created_at", "id"])
    op.create_table(
        "accreditations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("supplier_id", sa.String(36), nullable=False, index=True),
        sa.Column("application_id", sa.String(36), nullable=False),
        sa.Column("training_areas", sa.JSON, nullable=False),
        sa.Column("area_codes", sa.String(400), nullable=False),
        sa.Column("audiences", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("granted_on", sa.Date, nullable=False),
        sa.Column("renewed_on", sa.Date),
        sa.Column("expires_on", sa.Date, nullable=False, index=True),
        sa.Column("renewal_due_on", sa.Date, nullable=False, index=True),
        sa.Column("suspended_reason", sa.String(20)),
        sa.Column("status_reason", sa.Text),
        sa.Column("version", sa.Integer, nullable=False),
        utc("created_at"),
        utc("updated_at"),
    )
    op.create_index("ix_accreditations_created", "accreditations", ["created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_accreditations_created", table_name="accreditations")
    op.drop_table("accreditations")
    op.drop_index("ix_applications_created", table_name="applications")
    op.drop_table("applications")
    op.drop_table("accreditation_suppliers")
