"""Queries for the records of offerings: which offerings hold a record counted in search that expires soon."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.offering.models import Offering

# States in which the catalogue announces a record's expiry: the offering is (or may again be) on sale.
ANNOUNCED_STATES = ("published", "suspended")
# The search rows hold only the records that count (catalogue.offering.search_rows), with their expiry dates.
EXPIRING = {
    "sqlite": text("SELECT DISTINCT o.id FROM catalogue_offering_records r JOIN catalogue_offerings o "
                   "ON o.search_key = r.search_key WHERE r.expires_on BETWEEN :today AND :until LIMIT :limit"),
    "postgresql": text("SELECT id FROM catalogue_offering_search s WHERE EXISTS (SELECT 1 FROM "
                       "unnest(s.active_expires_on) AS e WHERE e BETWEEN :today AND :until) LIMIT :limit"),
}


async def with_records_expiring(session: AsyncSession, *, today: date, until: date, lock: bool,
                                limit: int = 500) -> list[Offering]:
    """Offerings on sale holding a counted record that expires between `today` and `until`; on PostgreSQL
    locked, and skipped when another replica holds them."""
    query = EXPIRING[session.bind.dialect.name].bindparams(bindparam("today", type_=Date),
                                                           bindparam("until", type_=Date))
    ids = list((await session.execute(query, {"today": today, "until": until, "limit": limit})).scalars())
    if not ids:
        return []
    statement = (select(Offering).where(Offering.id.in_(ids), Offering.status.in_(ANNOUNCED_STATES))
                 .order_by(Offering.id))
    if lock:
        statement = statement.with_for_update(skip_locked=True)
    return list((await session.execute(statement)).scalars().all())
