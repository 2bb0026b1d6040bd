"""Categories of the taxonomy and the projection of supplier agreements.

The categories themselves are seeded at start-up from catalogue/category/taxonomy.json (see
catalogue.category.seed), so that each seeded category also gets its audit row and its event.

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


def utc(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "catalogue_categories",
        sa.Column("code", sa.String(80), primary_key=True),
        sa.Column("axis", sa.String(20), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("parent", sa.String(80), sa.ForeignKey("catalogue_categories.code"), index=True),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        utc("created_at"),
        utc("updated_at"),
    )
    op.create_table(
        "catalogue_agreements",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("supplier_id", sa.String(36), nullable=False, index=True),
        sa.Column("type", sa.String(30), nullable=False),
        sa.Column("scope", sa.JSON, nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        utc("changed_at"),
        utc("applied_at"),
    )


def downgrade() -> None:
    op.drop_table("catalogue_agreements")
    op.drop_table("catalogue_categories")
