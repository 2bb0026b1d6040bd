"""Keeps the assessment projection from its events: the latest snapshot wins. What follows from a change (an
offering's risk tier, commitments and flag) is the offering domain's, in offering/handlers.py."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.assurance.models import AssessmentProjection
from events.assurance import AssessmentEvent
from servicekit.projection import keep_snapshot


async def keep_assessment(session: AsyncSession, event: AssessmentEvent) -> str | None:
    """Keep the snapshot of an offering's assessment; the offering's id (None for a use case's, not kept here)."""
    state = event.assessment
    if state.subject_type != "offering":
        return None
    await keep_snapshot(session, AssessmentProjection, event, state)
    return state.subject_id
