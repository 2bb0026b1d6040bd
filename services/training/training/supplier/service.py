"""Whether a provider may publish and keep courses in a training area, from the accreditation projection.

An accreditation covers a training area when it names the area, its status is in force (`active`
or `renewal_due`) and today is not past its expiry date (a lapsed accreditation stops counting
before its `expired` event arrives).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from events.accreditation import IN_FORCE
from training.supplier import repository
from training.supplier.models import AccreditationProjection

ENDED = frozenset({"expired", "revoked", "surrendered"})


def in_force(accreditation: AccreditationProjection, today: date) -> bool:
    return accreditation.status in IN_FORCE and today <= accreditation.expires_on


def covers(accreditation: AccreditationProjection, training_area: str, today: date) -> bool:
    return in_force(accreditation, today) and training_area in accreditation.training_areas


async def covering(session: AsyncSession, provider_id: str, training_area: str, today: date, *,
                   preferred: str | None = None) -> AccreditationProjection | None:
    """An accreditation of the provider in force today covering the area (`preferred` first), or None."""
    candidates = [a for a in await repository.accreditations_of(session, provider_id)
                  if covers(a, training_area, today)]
    candidates.sort(key=lambda a: (a.id != preferred, a.id))
    return candidates[0] if candidates else None


async def what_is_missing(session: AsyncSession, provider_id: str, training_area: str, today: date) -> str:
    """Why no accreditation of the provider covers the area today, for a 409."""
    accreditations = await repository.accreditations_of(session, provider_id)
    if not accreditations:
        return f"provider {provider_id} holds no accreditation known to the training service"
    in_area = [a for a in accreditations if training_area in a.training_areas]
    if not in_area:
        return (f"no accreditation of provider {provider_id} covers the training area {training_area} "
                f"(accredited for: {', '.join(sorted({t for a in accreditations for t in a.training_areas}))})")
    states = ", ".join(f"{a.id} is {a.status if a.status not in IN_FORCE else 'past its expiry date'}"
                       for a in in_area)
    return f"no accreditation in force covers the training area {training_area}: {states}"
