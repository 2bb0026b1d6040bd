"""Offerings following their supplier's eligibility, applied by the catalogue itself when a supplier or
agreement event arrives (in the consumer's transaction, with the projection already updated)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.offering import repository, service
from catalogue.supplier import service as eligibility


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
