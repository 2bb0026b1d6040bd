"""Offerings following their supplier's eligibility: a supplier or agreement event updates the projection,
and in the same transaction the supplier's offerings are suspended or published again."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.assurance import handlers as assessments
from catalogue.assurance import service as assurance
from catalogue.offering import repository, service
from catalogue.supplier import handlers as projection
from catalogue.supplier import service as eligibility
from events.assurance import AssessmentEvent
from events.suppliers import AgreementEvent, SupplierEvent
from servicekit.clock import Clock
from servicekit.consumer import Handler


def eligibility_handlers(clock: Clock) -> tuple[Handler, Handler]:
    """The handlers of supplier and agreement events, telling "today" by the service's clock."""

    async def apply_supplier_event(session: AsyncSession, event: SupplierEvent) -> None:
        """Keep the supplier's snapshot, then let its offerings follow."""
        await _follow(session, await projection.keep_supplier(session, event), clock)

    async def apply_agreement_event(session: AsyncSession, event: AgreementEvent) -> None:
        """Keep the agreement's snapshot, then let its supplier's offerings follow."""
        await _follow(session, await projection.keep_agreement(session, event), clock)

    return apply_supplier_event, apply_agreement_event


async def _follow(session: AsyncSession, supplier_id: str, clock: Clock) -> None:
    now = clock.now()
    await follow_eligibility(session, supplier_id, today=now.date(), now=now)


async def follow_eligibility(session: AsyncSession, supplier_id: str, *, today: date, now: datetime) -> None:
    """After the supplier's projection changed: suspend its published offerings it may no longer sell,
    and publish again those suspended for eligibility that it may sell once more. Offerings an admin
    suspended are left alone."""
    for offering in await repository.eligibility_bound(session, supplier_id):
        missing = await eligibility.check(session, supplier_id, list(offering.categories), today)
        if offering.status == "published" and missing:
            await service.apply_transition(session, offering=offering, action="suspend", actor=None, now=now,
                                           reason="; ".join(missing))
        elif offering.status == "suspended" and not missing:
            await service.apply_transition(session, offering=offering, action="reinstate", actor=None, now=now,
                                           missing=missing)


def assurance_handler(clock: Clock) -> Handler:
    """The handler of assessment events, telling "today" by the service's clock."""

    async def apply_assessment_event(session: AsyncSession, event: AssessmentEvent) -> None:
        """Keep the assessment's snapshot, then let its offering follow."""
        offering_id = await assessments.keep_assessment(session, event)
        offering = await repository.get(session, offering_id) if offering_id else None
        if offering is not None:
            now = clock.now()
            await service.follow_assurance(session, offering=offering,
                                           standing=await assurance.standing(session, offering_id, now.date()), now=now)

    return apply_assessment_event
