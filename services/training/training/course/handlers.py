"""Courses following their provider's accreditations: an accreditation event updates the projection, and
in the same transaction the provider's courses follow.

- accreditation suspended: its published courses are suspended (cause `accreditation`);
- revoked, expired, surrendered, or no longer covering the area: its courses are withdrawn;
- in force again (reinstated, renewed): courses suspended for that reason are published again.
A course whose own accreditation lapses but that another accreditation in force covers moves to it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from events.accreditation import AccreditationEvent
from servicekit.clock import Clock
from servicekit.consumer import Handler
from training.course import repository, service
from training.course.models import Course
from training.supplier import handlers as projection
from training.supplier import repository as providers
from training.supplier import service as accreditations


def accreditation_handler(clock: Clock) -> Handler:
    """The handler of accreditation events, telling time by the service's clock."""

    async def apply_accreditation_event(session: AsyncSession, event: AccreditationEvent) -> None:
        """Keep the accreditation's snapshot, then suspend, withdraw or publish again its provider's courses."""
        provider_id = await projection.keep_accreditation(session, event)
        await follow_accreditations(session, provider_id, now=clock.now())

    return apply_accreditation_event


async def follow_accreditations(session: AsyncSession, provider_id: str, *, now: datetime) -> None:
    """Let each of the provider's published or accreditation-suspended courses follow its accreditations."""
    for course in await repository.accreditation_bound(session, provider_id):
        await _follow(session, course, now)


async def _follow(session: AsyncSession, course: Course, now: datetime) -> None:
    today = now.date()
    covering = await accreditations.covering(session, course.provider_id, course.training_area, today,
                                             preferred=course.accreditation_id)
    if covering is not None:
        if course.status == "suspended":
            await service.apply_transition(session, course=course, action="reinstate", actor=None, now=now)
        elif covering.id != course.accreditation_id:
            await service.rebind(session, course=course, accreditation_id=covering.id, now=now)
        return
    own = await providers.get_accreditation(session, course.accreditation_id) if course.accreditation_id else None
    if own is not None and own.status == "suspended":
        if course.status == "published":
            await service.apply_transition(session, course=course, action="suspend", actor=None, now=now,
                                           reason=f"accreditation {own.id} is suspended")
        return
    why = (f"accreditation {own.id} is {own.status}" if own is not None and own.status in accreditations.ENDED
           else f"no accreditation in force covers the training area {course.training_area}")
    await service.apply_transition(session, course=course, action="withdraw", actor=None, now=now, reason=why)
