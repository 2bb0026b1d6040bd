"""Subscriptions, the store of deliverable events, deliveries and their attempts.

Revision ID: 2026_12_03_0002
Revises: 2026_12_03_0001
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "2026_12_03_0002"
down_revision = "2026_12_03_0001"
branch_labels = None
depends_on = None

AUTO_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "partner_subscriptions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("sink", sa.Text, nullable=False),
        sa.Column("types", sa.JSON, nullable=False),
        sa.Column("filters", sa.JSON, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("rate_limit", sa.Integer, nullable=False),
        sa.Column("ordering", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("disabled_reason", sa.Text),
        sa.Column("secret_sealed", sa.Text, nullable=False),
        sa.Column("previous_secret_sealed", sa.Text),
        utc("previous_secret_until", nullable=True),
        utc("failing_since", nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        utc("created_at"),
        utc("updated_at"),
    )
    op.create_index("ix_partner_subscriptions_owner", "partner_subscriptions", ["owner", "created_at", "id"])
    op.create_table(
        "partner_events",
        sa.Column("seq", AUTO_ID, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("type", sa.String(200), nullable=False, index=True),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        utc("time"),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("private_to", sa.String(36)),
        utc("stored_at"),
        sqlite_autoincrement=True,  # a purged sequence number is never given out again
    )
    op.create_index("ix_partner_events_time", "partner_events", ["time", "seq"])
    op.create_index("ix_partner_events_stored", "partner_events", ["stored_at"])
    op.create_table(
        "partner_public_subjects",
        sa.Column("topic", sa.String(200), primary_key=True),
        sa.Column("subject", sa.String(200), primary_key=True),
        utc("first_public_at"),
    )
    op.create_table(
        "partner_deliveries",
        sa.Column("seq", AUTO_ID, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("subscription_id", sa.String(36), nullable=False),
        sa.Column("event_seq", sa.BigInteger, nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        utc("next_attempt_at"),
        utc("lease_until", nullable=True),
        sa.Column("lease_token", sa.String(36)),
        utc("created_at"),
        utc("finished_at", nullable=True),
        sa.Column("last_error", sa.Text),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_partner_deliveries_due", "partner_deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_partner_deliveries_subject", "partner_deliveries",
                    ["subscription_id", "subject", "status", "seq"])
    op.create_index("ix_partner_deliveries_log", "partner_deliveries", ["subscription_id", "created_at", "seq"])
    op.create_table(
        "partner_attempts",
        sa.Column("id", AUTO_ID, primary_key=True, autoincrement=True),
        sa.Column("delivery_seq", sa.BigInteger, nullable=False, index=True),
        utc("attempted_at"),
        sa.Column("response_status", sa.Integer),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("response_body", sa.Text),
        sa.Column("error", sa.Text),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    for table in ("partner_attempts", "partner_deliveries", "partner_public_subjects", "partner_events",
                  "partner_subscriptions"):
        op.drop_table(table)
