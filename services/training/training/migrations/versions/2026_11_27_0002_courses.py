"""Projections of accreditations and suppliers; courses, their sessions and registrations of interest.

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
ACTIVE = "status <> 'cancelled'"


def utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "training_accreditations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("supplier_id", sa.String(36), nullable=False, index=True),
        sa.Column("training_areas", sa.JSON, nullable=False),
        sa.Column("audiences", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("expires_on", sa.Date, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        utc("changed_at"),
        utc("applied_at"),
    )
    op.create_table(
        "training_suppliers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("legal_name", sa.String(200), nullable=False),
        sa.Column("trading_name", sa.String(200)),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        utc("changed_at"),
        utc("applied_at"),
    )
    op.create_table(
        "training_courses",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("provider_id", sa.String(36), nullable=False, index=True),
        sa.Column("accreditation_id", sa.String(36), index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("course_code", sa.String(40), nullable=False),
        sa.Column("training_area", sa.String(40), nullable=False),
        sa.Column("audiences", sa.JSON, nullable=False),
        sa.Column("audience_tags", sa.String(200), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("pacing", sa.String(20), nullable=False),
        sa.Column("workload_hours", sa.Float, nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("price_nzd", sa.Float, nullable=False),
        sa.Column("nzqa_credits", sa.Integer),
        sa.Column("nzqa_level", sa.Integer),
        sa.Column("prerequisites", sa.JSON, nullable=False),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("status_cause", sa.String(20)),
        sa.Column("status_reason", sa.Text),
        sa.Column("version", sa.Integer, nullable=False),
        utc("created_at"),
        utc("updated_at"),
    )
    op.create_index("ix_training_courses_created", "training_courses", ["created_at", "id"])
    op.create_table(
        "training_sessions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("course_id", sa.String(36), nullable=False, index=True),
        utc("starts_at"),
        utc("ends_at"),
        sa.Column("online", sa.Boolean, nullable=False),
        sa.Column("location", sa.String(300)),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("registered", sa.Integer, nullable=False),
        sa.Column("waitlisted", sa.Integer, nullable=False),
        sa.Column("waitlist_seq", sa.Integer, nullable=False),
        utc("created_at"),
        sa.CheckConstraint("registered >= 0 AND registered <= capacity", name="ck_training_sessions_places"),
    )
    op.create_table(
        "training_registrations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("session_id", sa.String(36), nullable=False, index=True),
        sa.Column("course_id", sa.String(36), nullable=False),
        sa.Column("registered_by", sa.String(200), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("agency", sa.String(200), nullable=False),
        sa.Column("job_title", sa.String(200)),
        sa.Column("note", sa.Text),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("waitlist_seq", sa.Integer),
        utc("created_at"),
        utc("updated_at"),
    )
    op.create_index("uq_training_registrations_person", "training_registrations", ["session_id", "email"],
                    unique=True, sqlite_where=sa.text(ACTIVE), postgresql_where=sa.text(ACTIVE))
    op.create_index("ix_training_registrations_order", "training_registrations", ["created_at", "id"])


def downgrade() -> None:
    op.drop_table("training_registrations")
    op.drop_table("training_sessions")
    op.drop_index("ix_training_courses_created", table_name="training_courses")
    op.drop_table("training_courses")
    op.drop_table("training_suppliers")
    op.drop_table("training_accreditations")
