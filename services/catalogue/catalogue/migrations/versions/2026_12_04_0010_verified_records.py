"""Assurance records are verified by an assessor before they count: each record gets its id (a digest of what
the supplier stated) and the finding `unverified`, so records held until now stop counting in filters, facets
and comparisons until an assessor has verified them; the search rows are written again under that rule. On
SQLite an index on the expiry dates of the records that count finds those about to expire.

Two records stating the same certificate on one offering are kept once. The downgrade drops the index and the
findings, and writes the search rows again by the rule of the code that runs it.

Revision ID: 2026_12_04_0010
Revises: 2026_12_03_0009
Create Date: 2026-12-04
"""
import json

import sqlalchemy as sa
from alembic import op

from catalogue.offering import records, search_rows

revision = "2026_12_04_0010"
down_revision = "2026_12_03_0009"
branch_labels = None
depends_on = None

OFFERINGS = sa.table("catalogue_offerings", sa.column("id", sa.String), sa.column("assurance_records", sa.JSON))
INDEX = "ix_catalogue_offering_records_expires_on"


def _rewrite(change) -> None:
    bind = op.get_bind()
    for row in bind.execute(sa.select(OFFERINGS.c.id, OFFERINGS.c.assurance_records)).mappings():
        held = row["assurance_records"] if isinstance(row["assurance_records"], list) else json.loads(
            row["assurance_records"] or "[]")
        if held:
            bind.execute(OFFERINGS.update().where(OFFERINGS.c.id == row["id"]).values(assurance_records=change(held)))


def _stamped(held: list[dict]) -> list[dict]:
    stamped = {}
    for record in held:
        stamped.setdefault(records.record_id(record), record)
    return [{**record, "id": identity, **records.FINDING} for identity, record in stamped.items()]


def upgrade() -> None:
    _rewrite(_stamped)
    if op.get_bind().dialect.name == "sqlite":
        op.create_index(INDEX, "catalogue_offering_records", ["expires_on"])
    search_rows.rebuild(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index(INDEX, "catalogue_offering_records")
    _rewrite(lambda held: [{k: v for k, v in r.items() if k not in ("id", *records.FINDING)} for r in held])
    search_rows.rebuild(op.get_bind())
