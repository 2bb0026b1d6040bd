"""A shortlist keeps the agency of the buyer who made it, so the agency's other buyers may read it.

Revision ID: 2026_12_03_0008
Revises: 2026_12_03_0007
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "2026_12_03_0008"
down_revision = "2026_12_03_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("catalogue_shortlists") as table:
        table.add_column(sa.Column("agency", sa.String(200), nullable=True))
    op.create_index("ix_catalogue_shortlists_agency", "catalogue_shortlists", ["agency"])


def downgrade() -> None:
    op.drop_index("ix_catalogue_shortlists_agency", "catalogue_shortlists")
    with op.batch_alter_table("catalogue_shortlists") as table:
        table.drop_column("agency")
