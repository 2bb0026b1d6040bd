"""Queries over assessments."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assurance.assessment.models import Assessment
from events.assurance import IN_FORCE
from servicekit.pagination import paginate


async def get(session: AsyncSession, assessment_id: str) -> Assessment | None:
    return await session.get(Assessment, assessment_id)


async def list_page(session: AsyncSession, *, owner: str | None, supplier_id: str | None, subject_type: str | None,
                    subject_id: str | None, status: str | None, cursor: str | None,
                    limit: int) -> tuple[list[Assessment], str | None]:
    """Assessments matching the filters, newest first (`owner` and `supplier_id` narrow to a caller's own)."""
    statement = select(Assessment)
    for column, value in ((Assessment.owner, owner), (Assessment.supplier_id, supplier_id),
                          (Assessment.subject_type, subject_type), (Assessment.subject_id, subject_id),
                          (Assessment.status, status)):
        if value:
            statement = statement.where(column == value)
    return await paginate(session, statement, order=[Assessment.created_at.desc(), Assessment.id.desc()],
                          cursor=cursor, limit=limit)


async def of_subject(session: AsyncSession, subject_type: str, subject_id: str, *,
                     statuses: frozenset[str] | tuple[str, ...] = IN_FORCE) -> list[Assessment]:
    """The subject's assessments in these statuses (by default: accepted ones that still stand)."""
    statement = (select(Assessment)
                 .where(Assessment.subject_type == subject_type, Assessment.subject_id == subject_id,
                        Assessment.status.in_(statuses))
                 .order_by(Assessment.created_at, Assessment.id))
    return list((await session.execute(statement)).scalars().all())


async def accepted_on_older_questionnaires(session: AsyncSession, version: int) -> list[Assessment]:
    """Accepted assessments answered on a questionnaire older than `version`."""
    statement = (select(Assessment)
                 .where(Assessment.status == "accepted", Assessment.questionnaire_version < version)
                 .order_by(Assessment.created_at, Assessment.id))
    return list((await session.execute(statement)).scalars().all())


async def due_to_lapse(session: AsyncSession, *, today: date, lock: bool, limit: int = 500) -> list[Assessment]:
    """Assessments in force whose last current day has passed; locked and skipped by other replicas on
    PostgreSQL."""
    statement = (select(Assessment)
                 .where(Assessment.status.in_(IN_FORCE), Assessment.current_until < today)
                 .order_by(Assessment.current_until, Assessment.id).limit(limit))
    if lock:
        statement = statement.with_for_update(skip_locked=True)
    return list((await session.execute(statement)).scalars().all())
