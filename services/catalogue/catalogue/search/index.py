"""Keeps what search filters by in step with an offering: its filter columns (categories among them) and
its assurance records as rows. Called on every write that can change them (create and update)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.offering.models import Offering
from catalogue.search.models import OfferingAssurance

CATEGORY_COLUMNS = ("category_1", "category_2", "category_3")


def filter_columns(offering: Offering) -> None:
    """The offering's flat filter columns, from its nested parts."""
    offering.residency_region = offering.data_residency["region"]
    offering.price_min_nzd = offering.pricing["min_nzd"]
    offering.price_max_nzd = offering.pricing["max_nzd"]
    codes = list(offering.categories)[:len(CATEGORY_COLUMNS)]
    for column, code in zip(CATEGORY_COLUMNS, codes + [None] * (len(CATEGORY_COLUMNS) - len(codes))):
        setattr(offering, column, code)


def rows_of(offering: Offering) -> list[OfferingAssurance]:
    """The assurance rows of the offering."""
    return [*(OfferingAssurance(offering_id=offering.id, position=position, standard=record["standard"],
                                status=record["status"], issued_on=date.fromisoformat(record["issued_on"]),
                                expires_on=date.fromisoformat(record["expires_on"]))
              for position, record in enumerate(offering.assurance_records))]


async def refresh(session: AsyncSession, offering: Offering, *, new: bool = False) -> None:
    """Bring the offering's search rows in line with it."""
    filter_columns(offering)
    if not new:
        await session.execute(delete(OfferingAssurance).where(OfferingAssurance.offering_id == offering.id))
    session.add_all(rows_of(offering))
