"""The toolkit tables.

Revision ID: 2026_12_03_0001
Revises:
Create Date: 2026-12-03
"""
from servicekit.migrations import create_toolkit_tables, drop_toolkit_tables

revision = "2026_12_03_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_toolkit_tables()


def downgrade() -> None:
    drop_toolkit_tables()
