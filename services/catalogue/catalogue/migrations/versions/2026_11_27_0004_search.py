"""What buyer search needs: filter columns, offering categories and assurance records as rows, full-text
indexes (FTS5 on SQLite, tsvector with a GIN index on PostgreSQL), and buyers' shortlists.

The full-text index is kept by the database itself (triggers), so rows written in bulk are indexed
too. Filter columns and the category and assurance rows are kept by the catalogue on every write
(catalogue.offering.index); existing offerings are filled in here.

Revision ID: 2026_11_27_0004
Revises: 2026_11_27_0003
Create Date: 2026-11-27
"""
import unicodedata
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "2026_11_27_0004"
down_revision = "2026_11_27_0003"
branch_labels = None
depends_on = None

# PostgreSQL has no diacritic folding without the unaccent extension; translate() covers the letters
# the catalogue meets (te reo Māori macrons first). SQLite's tokenizer folds them itself.
ACCENTED = "āēīōūĀĒĪŌŪáàâäãéèêëíìîïóòôöõúùûüçñýÁÀÂÄÃÉÈÊËÍÌÎÏÓÒÔÖÕÚÙÛÜÇÑÝ"
PLAIN = "".join(unicodedata.normalize("NFKD", c)[0] for c in ACCENTED)


def utc(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    with op.batch_alter_table("catalogue_offerings") as batch:
        batch.add_column(sa.Column("residency_region", sa.String(20)))
        batch.add_column(sa.Column("price_min_nzd", sa.Float))
        batch.add_column(sa.Column("price_max_nzd", sa.Float))
    op.create_index("ix_catalogue_offerings_status_name", "catalogue_offerings", ["status", "name", "id"])
    op.create_index("ix_catalogue_offerings_status_updated", "catalogue_offerings", ["status", "updated_at", "id"])
    op.create_index("ix_catalogue_offerings_status_created", "catalogue_offerings", ["status", "created_at", "id"])
    op.create_table(
        "catalogue_offering_categories",
        sa.Column("offering_id", sa.String(36), primary_key=True),
        sa.Column("category_code", sa.String(80), primary_key=True),
    )
    op.create_index("ix_catalogue_offering_categories_code", "catalogue_offering_categories",
                    ["category_code", "offering_id"])
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
                    ["standard", "expires_on", "offering_id"])
    _create_shortlists()
    if op.get_bind().dialect.name == "postgresql":
        _postgres_text_index()
    else:
        _sqlite_text_index()
    _fill_existing()


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


def _sqlite_text_index() -> None:
    # FTS5 wants an integer rowid; offerings are keyed by uuid and a table's implicit rowid may change
    # on VACUUM, so a small table hands out stable integer keys.
    op.execute("CREATE TABLE catalogue_offering_text_keys ("
               "key INTEGER PRIMARY KEY, offering_id VARCHAR(36) NOT NULL UNIQUE)")
    op.execute("CREATE VIRTUAL TABLE catalogue_offering_text USING fts5("
               "name, summary, description, tokenize = 'porter unicode61 remove_diacritics 2')")
    op.execute("""
        CREATE TRIGGER catalogue_offering_text_insert AFTER INSERT ON catalogue_offerings BEGIN
          INSERT INTO catalogue_offering_text_keys (offering_id) VALUES (new.id);
          INSERT INTO catalogue_offering_text (rowid, name, summary, description)
            VALUES ((SELECT key FROM catalogue_offering_text_keys WHERE offering_id = new.id),
                    new.name, new.summary, new.description);
        END""")
    op.execute("""
        CREATE TRIGGER catalogue_offering_text_update AFTER UPDATE OF name, summary, description
        ON catalogue_offerings BEGIN
          UPDATE catalogue_offering_text SET name = new.name, summary = new.summary, description = new.description
            WHERE rowid = (SELECT key FROM catalogue_offering_text_keys WHERE offering_id = new.id);
        END""")
    op.execute("""
        CREATE TRIGGER catalogue_offering_text_delete AFTER DELETE ON catalogue_offerings BEGIN
          DELETE FROM catalogue_offering_text
            WHERE rowid = (SELECT key FROM catalogue_offering_text_keys WHERE offering_id = old.id);
          DELETE FROM catalogue_offering_text_keys WHERE offering_id = old.id;
        END""")
    op.execute("INSERT INTO catalogue_offering_text_keys (offering_id) SELECT id FROM catalogue_offerings")
    op.execute("INSERT INTO catalogue_offering_text (rowid, name, summary, description) "
               "SELECT k.key, o.name, o.summary, o.description FROM catalogue_offering_text_keys k "
               "JOIN catalogue_offerings o ON o.id = k.offering_id")


def _postgres_text_index() -> None:
    def part(column: str, weight: str) -> str:
        return f"setweight(to_tsvector('english', translate(NEW.{column}, '{ACCENTED}', '{PLAIN}')), '{weight}')"

    op.execute("ALTER TABLE catalogue_offerings ADD COLUMN search_vector tsvector")
    op.execute(f"""
        CREATE FUNCTION catalogue_offering_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          NEW.search_vector := {part('name', 'A')} || {part('summary', 'B')} || {part('description', 'D')};
          RETURN NEW;
        END $$""")
    op.execute("CREATE TRIGGER catalogue_offering_search_vector BEFORE INSERT OR UPDATE OF name, summary, "
               "description ON catalogue_offerings FOR EACH ROW EXECUTE FUNCTION catalogue_offering_search_vector()")
    op.execute("UPDATE catalogue_offerings SET name = name")
    op.execute("CREATE INDEX ix_catalogue_offerings_search ON catalogue_offerings USING gin (search_vector)")


def _fill_existing() -> None:
    """Filter columns and category and assurance rows for offerings written before this revision."""
    offerings = sa.table("catalogue_offerings", sa.column("id"), sa.column("categories", sa.JSON),
                         sa.column("pricing", sa.JSON), sa.column("data_residency", sa.JSON),
                         sa.column("assurance_records", sa.JSON), sa.column("residency_region"),
                         sa.column("price_min_nzd"), sa.column("price_max_nzd"))
    categories = sa.table("catalogue_offering_categories", sa.column("offering_id"), sa.column("category_code"))
    assurances = sa.table("catalogue_offering_assurances", sa.column("offering_id"), sa.column("position"),
                          sa.column("standard"), sa.column("status"), sa.column("issued_on", sa.Date),
                          sa.column("expires_on", sa.Date))
    bind = op.get_bind()
    for row in bind.execute(sa.select(offerings)).mappings().all():
        bind.execute(offerings.update().where(offerings.c.id == row["id"]).values(
            residency_region=row["data_residency"]["region"], price_min_nzd=row["pricing"]["min_nzd"],
            price_max_nzd=row["pricing"]["max_nzd"]))
        for code in row["categories"]:
            bind.execute(categories.insert().values(offering_id=row["id"], category_code=code))
        for position, record in enumerate(row["assurance_records"]):
            bind.execute(assurances.insert().values(
                offering_id=row["id"], position=position, standard=record["standard"], status=record["status"],
                issued_on=date.fromisoformat(record["issued_on"]), expires_on=date.fromisoformat(record["expires_on"])))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_catalogue_offerings_search")
        op.execute("DROP TRIGGER catalogue_offering_search_vector ON catalogue_offerings")
        op.execute("DROP FUNCTION catalogue_offering_search_vector()")
        op.execute("ALTER TABLE catalogue_offerings DROP COLUMN search_vector")
    else:
        for trigger in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER catalogue_offering_text_{trigger}")
        op.execute("DROP TABLE catalogue_offering_text")
        op.execute("DROP TABLE catalogue_offering_text_keys")
    op.drop_table("catalogue_shortlist_items")
    op.drop_table("catalogue_shortlists")
    op.drop_table("catalogue_offering_assurances")
    op.drop_table("catalogue_offering_categories")
    for index in ("status_name", "status_updated", "status_created"):
        op.drop_index(f"ix_catalogue_offerings_{index}", table_name="catalogue_offerings")
    with op.batch_alter_table("catalogue_offerings") as batch:
        batch.drop_column("price_max_nzd")
        batch.drop_column("price_min_nzd")
        batch.drop_column("residency_region")
