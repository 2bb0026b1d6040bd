"""Offering vectors for semantic search: one per offering with the model's name and version, and the
queue of offerings to embed (catalogue.search.vectors, catalogue.search.indexing). Every offering
there is now is queued, so the service embeds them in the background after the upgrade.

Revision ID: 2026_12_03_0007
Revises: 2026_12_02_0006
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "2026_12_03_0007"
down_revision = "2026_12_02_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalogue_offering_vectors",
        sa.Column("offering_id", sa.String(36), primary_key=True),
        sa.Column("model", sa.String(120), nullable=False),
        sa.Column("model_version", sa.String(40), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("text_hash", sa.String(64), nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("embedded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_catalogue_offering_vectors_seq", "catalogue_offering_vectors", ["seq"])
    op.create_table(
        "catalogue_embedding_queue",
        sa.Column("offering_id", sa.String(36), primary_key=True),
        sa.Column("token", sa.String(32), nullable=False),
    )
    # The semantic half of a search finds offerings by id.
    if op.get_bind().dialect.name == "sqlite":
        op.create_index("ix_catalogue_offering_search_id", "catalogue_offering_search", ["id"])
    # md5 on PostgreSQL, a hex rowid on SQLite: any distinct token will do.
    token = "md5(id)" if op.get_bind().dialect.name == "postgresql" else "hex(randomblob(16))"
    op.execute(f"INSERT INTO catalogue_embedding_queue (offering_id, token) SELECT id, {token} FROM catalogue_offerings")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_catalogue_offering_search_id", table_name="catalogue_offering_search")
    op.drop_table("catalogue_embedding_queue")
    op.drop_index("ix_catalogue_offering_vectors_seq", table_name="catalogue_offering_vectors")
    op.drop_table("catalogue_offering_vectors")
