"""Search reads less per matched offering, and every search structure is kept by the database itself.

- SQLite: a narrow search table keyed by the full-text index's integer key (so matches are looked up by
  rowid, not through a 16-column covering index keyed by uuid), and the active assurance records in a
  table keyed the same way. Both kept by triggers: one on every update of an offering (the insert
  trigger's own update, which gives the offering its key, creates them), one on delete.
- PostgreSQL: the filter values in the vector become lexemes no word can reach (so words are matched
  without weights and the GIN index needs no recheck), and the active records are arrays in the search
  row. Indexes per sort let a page without facet counts stop at its end.
- The assurance rows the service wrote itself (catalogue_offering_assurances) are no longer read: dropped.

Revision ID: 2026_11_27_0005
Revises: 2026_11_27_0004
Create Date: 2026-11-27
"""
import unicodedata

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "2026_11_27_0005"
down_revision = "2026_11_27_0004"
branch_labels = None
depends_on = None

ACCENTED = "āēīōūĀĒĪŌŪáàâäãéèêëíìîïóòôöõúùûüçñýÁÀÂÄÃÉÈÊËÍÌÎÏÓÒÔÖÕÚÙÛÜÇÑÝ"
PLAIN = "".join(unicodedata.normalize("NFKD", c)[0] for c in ACCENTED)
SEARCH_COLUMNS = ("id", "status", "supplier_id", "engagement_type", "residency_region", "risk_tier",
                  "te_reo_maori_support", "price_min_nzd", "price_max_nzd", "category_1", "category_2", "category_3",
                  "name", "updated_at", "created_at")
# The active records' parts, one array each, in the same order (catalogue.search.text reads them).
RECORD_ARRAYS = {"active_standards": ("standard", "varchar", sa.String(60)),
                 "active_issued_on": ("issued_on", "date", sa.Date),
                 "active_expires_on": ("expires_on", "date", sa.Date)}

SORTS = ("name", "updated_at", "created_at")


def _words() -> str:
    def part(column: str, weight: str) -> str:
        return f"setweight(to_tsvector('english', translate(NEW.{column}, '{ACCENTED}', '{PLAIN}')), '{weight}')"

    return f"{part('name', 'A')} || {part('summary', 'B')} || {part('description', 'D')}"


def _active(field: str, sql_type: str) -> str:
    return (f"ARRAY(SELECT (record->>'{field}')::{sql_type} FROM json_array_elements(NEW.assurance_records) "
            f"WITH ORDINALITY AS records(record, position) WHERE record->>'status' = 'active' ORDER BY position)")


def _facts() -> str:
    """The filter values as lexemes '~<kind>~<value>' (catalogue.offering.search_rows.fact is the same rule): the
    parser never makes a lexeme starting with '~', so no word, not even a prefix, matches one."""
    values = ["'~en~' || NEW.engagement_type", "'~re~' || NEW.residency_region", "'~ri~' || NEW.risk_tier",
              "CASE WHEN NEW.te_reo_maori_support THEN '~tr~yes' ELSE '~tr~no' END",
              *(f"'~ca~' || NEW.category_{n}" for n in (1, 2, 3))]
    standards = _active("standard", "varchar")
    # A NULL element (no third category, say) is left out; array_to_tsvector refuses NULLs.
    held = f"ARRAY(SELECT '~cf~' || standard FROM unnest({standards}) AS standard)"
    return f"array_to_tsvector(array_remove(ARRAY[{', '.join(values)}] || {held}, NULL))"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgres_upgrade()
    else:
        _sqlite_upgrade()
    op.drop_table("catalogue_offering_assurances")


def downgrade() -> None:
    _create_assurances()
    if op.get_bind().dialect.name == "postgresql":
        _postgres_downgrade()
    else:
        _sqlite_downgrade()


def _postgres_upgrade() -> None:
    for name, (_, _, sql_type) in RECORD_ARRAYS.items():
        op.add_column("catalogue_offering_search",
                      sa.Column(name, ARRAY(sql_type), nullable=False, server_default="{}"))
    columns = (*SEARCH_COLUMNS, *RECORD_ARRAYS)
    values = (*(f"NEW.{column}" for column in SEARCH_COLUMNS),
              *(_active(field, sql_type) for field, sql_type, _ in RECORD_ARRAYS.values()))
    _postgres_trigger_function(columns, values, f"{_words()} || {_facts()}")
    op.execute("UPDATE catalogue_offerings SET id = id")  # fires the trigger: every search row rebuilt
    _create_sort_indexes()


def _create_sort_indexes() -> None:
    for sort in SORTS:
        op.create_index(f"ix_catalogue_offering_search_status_{sort}", "catalogue_offering_search",
                        ["status", sort, "id"])


def _postgres_trigger_function(columns, values, vector: str) -> None:
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in (*columns[1:], "search_vector"))
    op.execute(f"""
        CREATE OR REPLACE FUNCTION catalogue_offering_search_row() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO catalogue_offering_search ({', '.join(columns)}, search_vector)
          VALUES ({', '.join(values)}, {vector})
          ON CONFLICT (id) DO UPDATE SET {updates};
          RETURN NULL;
        END $$""")


def _postgres_downgrade() -> None:
    _postgres_trigger_function(SEARCH_COLUMNS, [f"NEW.{column}" for column in SEARCH_COLUMNS],
                               f"{_words()} || {_old_facts()}")
    for sort in SORTS:
        op.drop_index(f"ix_catalogue_offering_search_status_{sort}", table_name="catalogue_offering_search")
    for name in RECORD_ARRAYS:
        op.drop_column("catalogue_offering_search", name)
    op.execute("UPDATE catalogue_offerings SET id = id")
    op.execute("""
        INSERT INTO catalogue_offering_assurances (offering_id, position, standard, status, issued_on, expires_on)
        SELECT o.id, r.position - 1, r.record->>'standard', r.record->>'status', (r.record->>'issued_on')::date,
               (r.record->>'expires_on')::date
        FROM catalogue_offerings o, json_array_elements(o.assurance_records) WITH ORDINALITY AS r(record, position)""")


def _old_facts() -> str:
    def tag(prefix: str, column: str) -> str:
        folded = f"replace(replace(replace(lower({column}), '.', ''), '-', ''), '_', '')"
        return f"coalesce('{prefix}' || {folded} || 'x', '')"

    standard = tag("cf", "record->>'standard'")
    standards = (f"(SELECT string_agg({standard}, ' ') FROM json_array_elements(NEW.assurance_records) AS record "
                 f"WHERE record->>'status' = 'active')")
    tags = [tag("en", "NEW.engagement_type"), tag("re", "NEW.residency_region"), tag("ri", "NEW.risk_tier"),
            "CASE WHEN NEW.te_reo_maori_support THEN 'tryesx' ELSE 'trnox' END",
            *(tag("ca", f"NEW.category_{n}") for n in (1, 2, 3)), f"coalesce({standards}, '')"]
    return "setweight(to_tsvector('simple', " + " || ' ' || ".join(tags) + "), 'C')"


# SQLite: the narrow table's columns after its key, copied from the offering.
SQLITE_ROW = ("id", *SEARCH_COLUMNS[1:])
# The 0004 covering index, replaced by the narrow table.
COVERING = ("search_key", "status", "engagement_type", "residency_region", "risk_tier", "te_reo_maori_support",
            "price_min_nzd", "price_max_nzd", "category_1", "category_2", "category_3", "supplier_id", "name",
            "updated_at", "created_at", "id")


def _sqlite_active_records(row: str, tables: str = "") -> str:
    """SELECT of the active records of `row` (from `tables`, before the records) as rows of the records table."""
    return (f"SELECT {row}.search_key, records.key, records.value ->> 'standard', records.value ->> 'issued_on', "
            f"records.value ->> 'expires_on' FROM {tables}json_each({row}.assurance_records) AS records "
            f"WHERE records.value ->> 'status' = 'active'")


def _sqlite_upgrade() -> None:
    op.create_table(
        "catalogue_offering_search",
        sa.Column("search_key", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("supplier_id", sa.String(36), nullable=False),
        sa.Column("engagement_type", sa.String(80), nullable=False),
        sa.Column("residency_region", sa.String(20)),
        sa.Column("risk_tier", sa.String(20), nullable=False),
        sa.Column("te_reo_maori_support", sa.Boolean, nullable=False),
        sa.Column("price_min_nzd", sa.Float),
        sa.Column("price_max_nzd", sa.Float),
        *(sa.Column(f"category_{n}", sa.String(80)) for n in (1, 2, 3)),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    _create_sort_indexes()
    op.create_table(
        "catalogue_offering_records",
        sa.Column("search_key", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("standard", sa.String(60), nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("expires_on", sa.Date, nullable=False),
        sqlite_with_rowid=False,
    )
    columns = ", ".join(SQLITE_ROW)
    updates = ", ".join(f"{column} = excluded.{column}" for column in SQLITE_ROW)
    # No insert trigger of its own: the order of two triggers on one event is not defined, and the rows
    # need the key. The 0004 insert trigger gives the key by an UPDATE, which fires this one.
    op.execute(f"""
        CREATE TRIGGER catalogue_offering_search_update AFTER UPDATE ON catalogue_offerings
        WHEN new.search_key IS NOT NULL BEGIN
          INSERT INTO catalogue_offering_search (search_key, {columns})
            VALUES (new.search_key, {', '.join(f'new.{column}' for column in SQLITE_ROW)})
            ON CONFLICT (search_key) DO UPDATE SET {updates};
          DELETE FROM catalogue_offering_records WHERE search_key = new.search_key;
          INSERT INTO catalogue_offering_records {_sqlite_active_records("new")};
        END""")
    op.execute("""
        CREATE TRIGGER catalogue_offering_search_delete AFTER DELETE ON catalogue_offerings BEGIN
          DELETE FROM catalogue_offering_search WHERE search_key = old.search_key;
          DELETE FROM catalogue_offering_records WHERE search_key = old.search_key;
        END""")
    op.execute(f"INSERT INTO catalogue_offering_search (search_key, {columns}) "
               f"SELECT search_key, {columns} FROM catalogue_offerings")
    existing = _sqlite_active_records("catalogue_offerings", "catalogue_offerings, ")
    op.execute(f"INSERT INTO catalogue_offering_records {existing}")
    op.execute("DROP INDEX ix_catalogue_offerings_search_facts")
    # The covering index led by the key was what made the insert trigger's max(search_key) a lookup.
    op.execute("CREATE UNIQUE INDEX ix_catalogue_offerings_search_key ON catalogue_offerings (search_key)")


def _sqlite_downgrade() -> None:
    op.execute("DROP INDEX ix_catalogue_offerings_search_key")
    op.execute(f"CREATE INDEX ix_catalogue_offerings_search_facts ON catalogue_offerings ({', '.join(COVERING)})")
    op.execute("DROP TRIGGER catalogue_offering_search_update")
    op.execute("DROP TRIGGER catalogue_offering_search_delete")
    op.drop_table("catalogue_offering_records")
    op.drop_table("catalogue_offering_search")
    op.execute("""
        INSERT INTO catalogue_offering_assurances (offering_id, position, standard, status, issued_on, expires_on)
        SELECT o.id, r.key, r.value ->> 'standard', r.value ->> 'status', r.value ->> 'issued_on',
               r.value ->> 'expires_on' FROM catalogue_offerings o, json_each(o.assurance_records) AS r""")


def _create_assurances() -> None:
    op.create_table(
        "catalogue_offering_assurances",
        sa.Column("offering_id", sa.String(36), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("standard", sa.String(60), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("expires_on", sa.Date, nullable=False),
    )
    op.create_index("ix_catalogue_offering_assurances_standard", "catalogue_offering_assurances",
                    ["standard", "status", "expires_on", "issued_on", "offering_id"])
    op.create_index("ix_catalogue_offering_assurances_offering", "catalogue_offering_assurances",
                    ["offering_id", "status", "expires_on", "issued_on", "standard"])
