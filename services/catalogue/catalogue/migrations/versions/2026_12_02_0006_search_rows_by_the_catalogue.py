"""Search rows are written by the catalogue itself, not by triggers: the rules (searched text, filter values
as tokens, active assurance records) live once, in catalogue.offering.search_rows, for both databases.

The triggers of 0004 and 0005 are dropped and every offering's search rows are written again with the
rules as they are now. The downgrade leaves the rows as they are and does not bring the triggers back: a
database downgraded past this revision has its search rows written by code that no longer exists, so
downgrade further (to before 0004) or rebuild them.

Revision ID: 2026_12_02_0006
Revises: 2026_11_27_0005
Create Date: 2026-12-02
"""
from alembic import op

from catalogue.offering import search_rows

revision = "2026_12_02_0006"
down_revision = "2026_11_27_0005"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = ("catalogue_offering_text_insert", "catalogue_offering_text_update", "catalogue_offering_text_delete",
                   "catalogue_offering_search_update", "catalogue_offering_search_delete")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS catalogue_offering_search_row ON catalogue_offerings")
        op.execute("DROP FUNCTION IF EXISTS catalogue_offering_search_row()")
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    search_rows.rebuild(op.get_bind())


def downgrade() -> None:
    pass
