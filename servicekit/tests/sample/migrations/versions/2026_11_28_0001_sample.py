"""Sample notes, tags, projection and the toolkit tables.

Revision ID: 2026_11_28_0001
Revises:
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

from servicekit.migrations import create_toolkit_tables, drop_toolkit_tables

revision = "2026_11_28_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_toolkit_tables()
    op.create_table(
        "sample_notes",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sample_notes_priority_id", "sample_notes", ["priority", "id"])
    op.create_table(
        "sample_tags",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("note_id", sa.String(36), nullable=False),
        sa.Column("label", sa.String(50), nullable=False),
        # Checked at commit, so a bad reference fails the commit rather than the flush.
        sa.ForeignKeyConstraint(["note_id"], ["sample_notes.id"], name="fk_sample_tags_note",
                                deferrable=True, initially="DEFERRED"),
    )
    op.create_table(
        "sample_projections",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("applied", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sample_projections")
    op.drop_table("sample_tags")
    op.drop_index("ix_sample_notes_priority_id", "sample_notes")
    op.drop_table("sample_notes")
    drop_toolkit_tables()
