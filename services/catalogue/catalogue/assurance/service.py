"""What an offering's assessments give it, from the catalogue's own projection.

The assessment behind an offering is its accepted one that still stands (accepted or due for renewal) with the
latest acceptance; its impact level gives the risk tier (events.catalogue.IMPACT_TIERS) and its commitments are
shown on the offering. It is current while today is not past its `current_until` (so it stops counting on the
day after, before its lapse event arrives). An offering whose assessment is due for renewal or has lapsed, with
none newer standing, is flagged; the tier and commitments it had stay, so buyers see what was last assessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.assurance import repository
from catalogue.assurance.models import AssessmentProjection
from events.assurance import IN_FORCE
from events.catalogue import IMPACT_TIERS

UNASSESSED = "unassessed"


@dataclass(frozen=True)
class Standing:
    """The assurance fields of an offering, and whether its assessment is current today."""

    assessment_id: str | None = None
    impact_level: str | None = None
    risk_tier: str = UNASSESSED
    commitments_addressed: list[str] = field(default_factory=list)
    assurance_flag: str | None = None
    current: bool = False
    missing: str | None = "the offering has no accepted assurance assessment (POST /api/v1/assurance/assessments)"

    def fields(self) -> dict:
        return {"assessment_id": self.assessment_id, "impact_level": self.impact_level, "risk_tier": self.risk_tier,
                "commitments_addressed": self.commitments_addressed, "assurance_flag": self.assurance_flag}


def _latest(assessments: list[AssessmentProjection]) -> AssessmentProjection | None:
    return max(assessments, key=lambda a: (a.accepted_on or date.min, a.changed_at, a.id), default=None)


def standing_of(assessments: list[AssessmentProjection], today: date) -> Standing:
    """The offering's standing from every assessment of it the catalogue knows (a pure rule: any order of events
    gives the same answer)."""
    chosen = _latest([a for a in assessments if a.status in IN_FORCE]) or _latest(
        [a for a in assessments if a.status == "lapsed"])
    if chosen is None:
        return Standing()
    lapsed = chosen.status == "lapsed" or chosen.current_until is None or chosen.current_until < today
    flag = "lapsed" if lapsed else ("renewal_due" if chosen.status == "renewal_due" else None)
    missing = (f"its assurance assessment {chosen.id} lapsed after {chosen.current_until.isoformat()}; a new one must "
               "be accepted") if lapsed else None
    return Standing(assessment_id=chosen.id, impact_level=chosen.impact_level,
                    risk_tier=IMPACT_TIERS[chosen.impact_level], commitments_addressed=list(chosen.commitments_addressed),
                    assurance_flag=flag, current=not lapsed, missing=missing)


async def standing(session: AsyncSession, offering_id: str, today: date) -> Standing:
    """The offering's standing today."""
    return standing_of(await repository.of_offering(session, offering_id), today)
