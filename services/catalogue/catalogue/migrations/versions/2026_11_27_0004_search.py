"""What buyer search needs: filter columns (categories among them), assurance records as rows, full-text
indexes (FTS5 and a covering index on SQLite; on PostgreSQL a narrow search table with a tsvector and
a GIN index), and buyers' shortlists.

The full-text indexes are kept by the database itself (triggers), so rows written in bulk are indexed
too. Filter columns and the assurance rows are kept by the catalogue on every write
(catalogue.offering.index); existing offerings are filled in here.

Revision ID: 2026_11_27_0004
Revises: 2026_11_27_0003
Create Date: 2026-11-27
"""
import unicodedata
from datetime import date

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TSVECTOR

revision = "2026_11_27_0004"
down_revision = "2026_11_27_0003"
branch_labels = None
depends_on = None

# PostgreSQL has no diacritic folding without the unaccent extension; translate() covers the letters
# the catalogue meets (te reo Māori macrons first). SQLite's tokenizer folds them itself.
ACCENTED = "āēīōūĀĒĪŌŪáàâäãéèêëíìîïóòôöõúùûüçñýÁÀÂÄÃÉÈÊËÍÌÎÏÓÒÔÖÕÚÙÛÜÇÑÝ"
PLAIN = "".join(unicodedata.normalize("NFKD", c)[0] for c in ACCENTED)
# Every column search filters, sorts or counts by (SQLite's covering index, led by the full-text key).
FACTS = ("search_key", "status", "engagement_type", "residency_region", "risk_tier", "te_reo_maori_support",
         "price_min_nzd", "price_max_nzd", "category_1", "category_2", "category_3", "supplier_id", "name",
         "updated_at", "created_at", "id")


def utc(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    with op.batch_alter_table("catalogue_offerings") as batch:
        batch.add_column(sa.Column("residency_region", sa.String(20)))
        batch.add_column(sa.Column("price_min_nzd", sa.Float))
        batch.add_column(sa.Column("price_max_nzd", sa.Float))
        # An offering has one to three categories: as columns they filter and count without a join.
        for n in (1, 2, 3):
            batch.add_column(sa.Column(f"category_{n}", sa.String(80)))
    op.create_index("ix_catalogue_offerings_status_name", "catalogue_offerings", ["status", "name", "id"])
    op.create_index("ix_catalogue_offerings_status_updated", "catalogue_offerings", ["status", "updated_at", "id"])
    op.create_index("ix_catalogue_offerings_status_created", "catalogue_offerings", ["status", "created_at", "id"])
    op.create_table(
        "catalogue_offering_assurances",
        sa.Column("offering_id", sa.String(36), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("standard", sa.String(60), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("expires_on", sa.Date, nullable=False),
    )
    # Both covering: filtering finds offerings by standard, counting finds an offering's records.
    op.create_index("ix_catalogue_offering_assurances_standard", "catalogue_offering_assurances",
                    ["standard", "status", "expires_on", "issued_on", "offering_id"])
    op.create_index("ix_catalogue_offering_assurances_offering", "catalogue_offering_assurances",
                    ["offering_id", "status", "expires_on", "issued_on", "standard"])
    _create_shortlists()
    if op.get_bind().dialect.name == "postgresql":
        _postgres_text_index()
        _fill_existing()  # its updates fire the trigger: every existing offering gets its search row
    else:
        _sqlite_text_index()
        _fill_existing()
        _sqlite_fill_text()  # after the filter columns are filled: the facts come from them


def _create_shortlists() -> None:
    op.create_table(
        "catalogue_shortlists",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        utc("created_at"),
        utc("updated_at"),
    )
    op.create_index("ix_catalogue_shortlists_owner", "catalogue_shortlists", ["owner", "created_at", "id"])
    op.create_table(
        "catalogue_shortlist_items",
        sa.Column("shortlist_id", sa.String(36), sa.ForeignKey("catalogue_shortlists.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("offering_id", sa.String(36), primary_key=True),
        sa.Column("notes", sa.Text),
        utc("added_at"),
        utc("updated_at"),
    )


def _tag(prefix: str, column: str) -> str:
    """SQL for one filter value (a column or expression) as a single index token;
    catalogue.offering.search_rows.tag is the same rule."""
    return f"coalesce('{prefix}' || replace(replace(replace(lower({column}), '.', ''), '-', ''), '_', '') || 'x', '')"


def _facts(row: str) -> str:
    """SQL for the `facts` column of the full-text index: the offering's filter values as tokens. The
    standards of its active assurance records are among them: whether a record is in date is checked
    against each query's day by the search itself."""
    standard = _tag("cf", "json_extract(value, '$.standard')")
    standards = (f"(SELECT group_concat({standard}, ' ') FROM json_each({row}.assurance_records) "
                 f"WHERE json_extract(value, '$.status') = 'active')")
    tags = [_tag("en", f"{row}.engagement_type"), _tag("re", f"{row}.residency_region"), _tag("ri", f"{row}.risk_tier"),
            f"CASE WHEN {row}.te_reo_maori_support THEN 'tryesx' ELSE 'trnox' END",
            *(_tag("ca", f"{row}.category_{n}") for n in (1, 2, 3)), f"coalesce({standards}, '')"]
    return " || ' ' || ".join(tags)


def _sqlite_text_index() -> None:
    # FTS5 wants an integer rowid; offerings are keyed by uuid, and a table's implicit rowid may change
    # on VACUUM, so each offering gets a stable integer `search_key` when it is inserted. A covering
    # index on it holds every filter and sort column: matching and counting never read the wide rows.
    # Beside the text, the index holds the filter values as tokens (`facts`), so FTS5 intersects words
    # and filters itself and only the offerings that pass both are looked up.
    op.execute("ALTER TABLE catalogue_offerings ADD COLUMN search_key INTEGER")
    op.execute("UPDATE catalogue_offerings SET search_key = rowid")
    op.execute(f"CREATE INDEX ix_catalogue_offerings_search_facts ON catalogue_offerings ({', '.join(FACTS)})")
    op.execute("CREATE VIRTUAL TABLE catalogue_offering_text USING fts5("
               "name, summary, description, facts, tokenize = 'porter unicode61 remove_diacritics 2')")
    op.execute(f"""
        CREATE TRIGGER catalogue_offering_text_insert AFTER INSERT ON catalogue_offerings BEGIN
          UPDATE catalogue_offerings SET search_key = (SELECT coalesce(max(search_key), 0) + 1 FROM catalogue_offerings)
            WHERE id = new.id;
          INSERT INTO catalogue_offering_text (rowid, name, summary, description, facts)
            SELECT search_key, new.name, new.summary, new.description, {_facts("new")}
            FROM catalogue_offerings WHERE id = new.id;
        END""")
    op.execute(f"""
        CREATE TRIGGER catalogue_offering_text_update AFTER UPDATE OF name, summary, description,
          engagement_type, residency_region, risk_tier, te_reo_maori_support, category_1, category_2, category_3,
          assurance_records
        ON catalogue_offerings BEGIN
          UPDATE catalogue_offering_text SET name = new.name, summary = new.summary, description = new.description,
            facts = {_facts("new")}
            WHERE rowid = new.search_key;
        END""")
    op.execute("""
        CREATE TRIGGER catalogue_offering_text_delete AFTER DELETE ON catalogue_offerings BEGIN
          DELETE FROM catalogue_offering_text WHERE rowid = old.search_key;
        END""")


def _sqlite_fill_text() -> None:
    op.execute(f"INSERT INTO catalogue_offering_text (rowid, name, summary, description, facts) "
               f"SELECT search_key, name, summary, description, {_facts('catalogue_offerings')} FROM catalogue_offerings")


def _postgres_facts() -> str:
    """SQL for the offering's filter values as tokens (as SQLite's `facts`), in a trigger on NEW."""
    standard = _tag("cf", "record->>'standard'")
    standards = (f"(SELECT string_agg({standard}, ' ') FROM json_array_elements(NEW.assurance_records) AS record "
                 f"WHERE record->>'status' = 'active')")
    tags = [_tag("en", "NEW.engagement_type"), _tag("re", "NEW.residency_region"), _tag("ri", "NEW.risk_tier"),
            "CASE WHEN NEW.te_reo_maori_support THEN 'tryesx' ELSE 'trnox' END",
            *(_tag("ca", f"NEW.category_{n}") for n in (1, 2, 3)), f"coalesce({standards}, '')"]
    return " || ' ' || ".join(tags)


# The columns of PostgreSQL's narrow search table, copied from the offering by a trigger.
SEARCH_COLUMNS = ("id", "status", "supplier_id", "engagement_type", "residency_region", "risk_tier",
                  "te_reo_maori_support", "price_min_nzd", "price_max_nzd", "category_1", "category_2", "category_3",
                  "name", "updated_at", "created_at")


def _postgres_text_index() -> None:
    # A narrow table holds what search reads (filter and sort columns, and the vector): a bitmap scan
    # then reads small rows, not offerings with their descriptions and JSON parts. The words weigh A
    # (name), B (summary) and D (description); the filter values are tokens of weight C, so the GIN
    # index intersects words and filters and only offerings passing both are read.
    def part(column: str, weight: str) -> str:
        return f"setweight(to_tsvector('english', translate(NEW.{column}, '{ACCENTED}', '{PLAIN}')), '{weight}')"

    op.create_table(
        "catalogue_offering_search",
        sa.Column("id", sa.String(36), sa.ForeignKey("catalogue_offerings.id", ondelete="CASCADE"), primary_key=True),
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
        utc("updated_at"),
        utc("created_at"),
        sa.Column("search_vector", TSVECTOR, nullable=False),
    )
    columns = ", ".join(SEARCH_COLUMNS)
    values = ", ".join(f"NEW.{column}" for column in SEARCH_COLUMNS)
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in (*SEARCH_COLUMNS[1:], "search_vector"))
    op.execute(f"""
        CREATE FUNCTION catalogue_offering_search_row() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO catalogue_offering_search ({columns}, search_vector)
          VALUES ({values}, {part('name', 'A')} || {part('summary', 'B')} || {part('description', 'D')}
                  || setweight(to_tsvector('simple', {_postgres_facts()}), 'C'))
          ON CONFLICT (id) DO UPDATE SET {updates};
          RETURN NULL;
        END $$""")
    op.execute("CREATE TRIGGER catalogue_offering_search_row AFTER INSERT OR UPDATE ON catalogue_offerings "
               "FOR EACH ROW EXECUTE FUNCTION catalogue_offering_search_row()")
    op.execute("CREATE INDEX ix_catalogue_offering_search_vector ON catalogue_offering_search USING gin (search_vector)")


def _fill_existing() -> None:
    """Filter columns and assurance rows for offerings written before this revision."""
    offerings = sa.table("catalogue_offerings", sa.column("id"), sa.column("categories", sa.JSON),
                         sa.column("pricing", sa.JSON), sa.column("data_residency", sa.JSON),
                         sa.column("assurance_records", sa.JSON), sa.column("residency_region"),
                         sa.column("price_min_nzd"), sa.column("price_max_nzd"), sa.column("category_1"),
                         sa.column("category_2"), sa.column("category_3"))
    assurances = sa.table("catalogue_offering_assurances", sa.column("offering_id"), sa.column("position"),
                          sa.column("standard"), sa.column("status"), sa.column("issued_on", sa.Date),
                          sa.column("expires_on", sa.Date))
    bind = op.get_bind()
    for row in bind.execute(sa.select(offerings)).mappings().all():
        bind.execute(offerings.update().where(offerings.c.id == row["id"]).values(
            residency_region=row["data_residency"]["region"], price_min_nzd=row["pricing"]["min_nzd"],
            price_max_nzd=row["pricing"]["max_nzd"],
            **{f"category_{n}": code for n, code in enumerate(row["categories"][:3], start=1)}))
        for position, record in enumerate(row["assurance_records"]):
            bind.execute(assurances.insert().values(
                offering_id=row["id"], position=position, standard=record["standard"], status=record["status"],
                issued_on=date.fromisoformat(record["issued_on"]), expires_on=date.fromisoformat(record["expires_on"])))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER catalogue_offering_search_row ON catalogue_offerings")
        op.execute("DROP FUNCTION catalogue_offering_search_row()")
        op.drop_table("catalogue_offering_search")
    else:
        for trigger in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER catalogue_offering_text_{trigger}")
        op.execute("DROP TABLE catalogue_offering_text")
        op.execute("DROP INDEX ix_catalogue_offerings_search_facts")
    op.drop_table("catalogue_shortlist_items")
    op.drop_table("catalogue_shortlists")
    op.drop_table("catalogue_offering_assurances")
    for index in ("status_name", "status_updated", "status_created"):
        op.drop_index(f"ix_catalogue_offerings_{index}", table_name="catalogue_offerings")
    with op.batch_alter_table("catalogue_offerings") as batch:
        if op.get_bind().dialect.name != "postgresql":
            batch.drop_column("search_key")
        for n in (1, 2, 3):
            batch.drop_column(f"category_{n}")
        batch.drop_column("price_max_nzd")
        batch.drop_column("price_min_nzd")
        batch.drop_column("residency_region")
