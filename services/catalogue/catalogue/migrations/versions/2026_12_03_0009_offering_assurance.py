"""Offerings take their risk tier from their accepted assurance assessment: the projection of assessments, and
on each offering the assessment behind it, its impact level, the Charter commitments it addresses and the flag
(due for renewal, lapsed).

A supplier no longer declares the risk tier, so the tiers offerings declared themselves stop counting: every
existing offering becomes `unassessed` until an assessment of it is accepted, and its search rows are written
again. The downgrade drops the new columns and the projection; the tiers stay `unassessed` (what was declared
is not kept).

Revision ID: 2026_12_03_0009
Revises: 2026_12_03_0008
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

from catalogue.offering import search_rows

revision = "2026_12_03_0009"
down_revision = "2026_12_03_0008"
branch_labels = None
depends_on = None

COLUMNS = ("assessment_id", "impact_level", "commitments_addressed", "assurance_flag")


def upgrade() -> None:
    op.create_table(
        "catalogue_assessments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("subject_id", sa.String(36), nullable=False, index=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("impact_level", sa.String(3), nullable=False),
        sa.Column("commitments_addressed", sa.JSON, nullable=False),
        sa.Column("accepted_on", sa.Date),
        sa.Column("current_until", sa.Date),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("catalogue_offerings") as table:
        table.add_column(sa.Column("assessment_id", sa.String(36)))
        table.add_column(sa.Column("impact_level", sa.String(3)))
        table.add_column(sa.Column("commitments_addressed", sa.JSON, nullable=False, server_default="[]"))
        table.add_column(sa.Column("assurance_flag", sa.String(20)))
    op.execute("UPDATE catalogue_offerings SET risk_tier = 'unassessed'")
    search_rows.rebuild(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("catalogue_offerings") as table:
        for column in COLUMNS:
            table.drop_column(column)
    op.drop_table("catalogue_assessments")
