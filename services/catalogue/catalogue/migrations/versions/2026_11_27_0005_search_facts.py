"""PostgreSQL search reads less per matched offering: the filter values in the vector become lexemes no
word can reach (so words are matched without weights, and the GIN index needs no recheck), and the
active assurance records are carried as arrays in the search row (so counting and filtering by held
certification reads no other table). Indexes per sort let a page without facet counts stop at its end,
as on SQLite, whose tables are unchanged.

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
    """The filter values as lexemes '~<kind>~<value>' (catalogue.search.text.fact is the same rule): the
    parser never makes a lexeme starting with '~', so no word, not even a prefix, matches one."""
    values = ["'~en~' || NEW.engagement_type", "'~re~' || NEW.residency_region", "'~ri~' || NEW.risk_tier",
              "CASE WHEN NEW.te_reo_maori_support THEN '~tr~yes' ELSE '~tr~no' END",
              *(f"'~ca~' || NEW.category_{n}" for n in (1, 2, 3))]
    standards = _active("standard", "varchar")
    # A NULL element (no third category, say) is left out; array_to_tsvector refuses NULLs.
    held = f"ARRAY(SELECT '~cf~' || standard FROM unnest({standards}) AS standard)"
    return f"array_to_tsvector(array_remove(ARRAY[{', '.join(values)}] || {held}, NULL))"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, (_, _, sql_type) in RECORD_ARRAYS.items():
        op.add_column("catalogue_offering_search",
                      sa.Column(name, ARRAY(sql_type), nullable=False, server_default="{}"))
    columns = (*SEARCH_COLUMNS, *RECORD_ARRAYS)
    values = (*(f"NEW.{column}" for column in SEARCH_COLUMNS),
              *(_active(field, sql_type) for field, sql_type, _ in RECORD_ARRAYS.values()))
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in (*columns[1:], "search_vector"))
    op.execute(f"""
        CREATE OR REPLACE FUNCTION catalogue_offering_search_row() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO catalogue_offering_search ({', '.join(columns)}, search_vector)
          VALUES ({', '.join(values)}, {_words()} || {_facts()})
          ON CONFLICT (id) DO UPDATE SET {updates};
          RETURN NULL;
        END $$""")
    op.execute("UPDATE catalogue_offerings SET id = id")  # fires the trigger: every search row rebuilt
    for sort in SORTS:
        op.create_index(f"ix_catalogue_offering_search_status_{sort}", "catalogue_offering_search", ["status", sort, "id"])


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


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in (*SEARCH_COLUMNS[1:], "search_vector"))
    op.execute(f"""
        CREATE OR REPLACE FUNCTION catalogue_offering_search_row() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO catalogue_offering_search ({', '.join(SEARCH_COLUMNS)}, search_vector)
          VALUES ({', '.join(f'NEW.{column}' for column in SEARCH_COLUMNS)}, {_words()} || {_old_facts()})
          ON CONFLICT (id) DO UPDATE SET {updates};
          RETURN NULL;
        END $$""")
    for sort in SORTS:
        op.drop_index(f"ix_catalogue_offering_search_status_{sort}", table_name="catalogue_offering_search")
    for name in RECORD_ARRAYS:
        op.drop_column("catalogue_offering_search", name)
    op.execute("UPDATE catalogue_offerings SET id = id")
