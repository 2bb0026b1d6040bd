"""The registry (sources and entries), agency use cases and their links, and the sync queue and state.

Revision ID: 2026_11_27_0002
Revises: 2026_11_27_0001
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "2026_11_27_0002"
down_revision = "2026_11_27_0001"
branch_labels = None
depends_on = None


def utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "hub_sources",
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("state", sa.JSON, nullable=False),
        utc("changed_at"),
        utc("first_live_at", nullable=True),
    )
    op.create_table(
        "hub_entries",
        sa.Column("id", sa.String(140), primary_key=True),
        sa.Column("type", sa.String(30), nullable=False, index=True),
        sa.Column("source_type", sa.String(20), nullable=False),
        sa.Column("source_id", sa.String(100), nullable=False),
        sa.Column("source_version", sa.Integer, nullable=False),
        sa.Column("link", sa.String(200), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("category", sa.String(100), index=True),
        sa.Column("categories", sa.JSON, nullable=False),
        sa.Column("category_keys", sa.String(2000), nullable=False),
        sa.Column("supplier_id", sa.String(100), index=True),
        sa.Column("supplier_name", sa.String(300)),
        sa.Column("agency", sa.String(200), index=True),
        sa.Column("risk_level", sa.String(20)),
        sa.Column("phase", sa.String(20)),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("listed", sa.Boolean, nullable=False, index=True),
        utc("first_listed_at", nullable=True),
        utc("source_changed_at"),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        utc("updated_at"),
    )
    op.create_index("ix_hub_entries_name", "hub_entries", ["name", "id"])
    op.create_table(
        "hub_use_cases",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("agency", sa.String(200), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("short_description", sa.String(350), nullable=False),
        sa.Column("purpose_and_benefit", sa.Text, nullable=False),
        sa.Column("phase", sa.String(20), nullable=False, index=True),
        sa.Column("category", sa.String(100)),
        sa.Column("risk_level", sa.String(20), nullable=False),
        sa.Column("human_oversight", sa.Text, nullable=False),
        sa.Column("data_used", sa.Text, nullable=False),
        sa.Column("model_type", sa.String(200), nullable=False),
        sa.Column("linked_offering_ids", sa.JSON, nullable=False),
        sa.Column("impact_assessments", sa.JSON, nullable=False),
        sa.Column("maori_data", sa.JSON, nullable=False),
        sa.Column("contact", sa.JSON, nullable=False),
        sa.Column("started_on", sa.Date),
        sa.Column("review_due_on", sa.Date),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        utc("created_at"),
        utc("updated_at"),
        utc("phase_changed_at"),
    )
    op.create_index("ix_hub_use_cases_created", "hub_use_cases", ["created_at", "id"])
    op.create_table(
        "hub_use_case_links",
        sa.Column("use_case_id", sa.String(36), primary_key=True),
        sa.Column("offering_id", sa.String(36), primary_key=True, index=True),
    )
    op.create_table(
        "hub_sync_queue",
        sa.Column("entry_id", sa.String(140), primary_key=True),
        sa.Column("entry_version", sa.Integer, nullable=False),
        utc("enqueued_at"),
        utc("next_attempt_at"),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
    )
    op.create_index("ix_hub_sync_queue_due", "hub_sync_queue", ["next_attempt_at"])
    op.create_table(
        "hub_sync_state",
        sa.Column("id", sa.Integer, primary_key=True),
        utc("last_success_at", nullable=True),
        utc("last_failure_at", nullable=True),
        sa.Column("last_error", sa.Text),
        sa.Column("pushed_total", sa.Integer, nullable=False),
        sa.Column("failures_total", sa.Integer, nullable=False),
        sa.Column("consecutive_failures", sa.Integer, nullable=False),
        utc("last_reconcile_at", nullable=True),
        sa.Column("last_reconcile", sa.JSON),
    )


def downgrade() -> None:
    for table in ("hub_sync_state", "hub_sync_queue", "hub_use_case_links", "hub_use_cases", "hub_entries",
                  "hub_sources"):
        op.drop_table(table)
