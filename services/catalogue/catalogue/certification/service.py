"""Rules of assurance records once an offering holds them.

An assessor marks each record verified, unverified or rejected (with a note, kept in the history); only a
verified, active, in-date record counts in filters, facets and comparisons (events.catalogue.record_counts).
Its supplier may replace the records at any stage before the offering is withdrawn or retired, so a renewed
certificate can follow an expiring one: a record sent again unchanged keeps its finding, a changed one is
unverified. A scheduled run announces, once per record, a verified record that expires within the notice
period, on the offering's topic (partners) and in its history (its supplier).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.certification import repository
from catalogue.certification.models import RecordReview
from catalogue.offering import records
from catalogue.offering import service as offerings
from catalogue.offering.models import AssuranceRecordIn, Offering
from events.catalogue import (OfferingEvidenced, OfferingForewarned, OfferingReviewed,
                              record_counts)
from servicekit.identity import Identity
from servicekit.lifecycle import SYSTEM
from servicekit.problems import conflict, forbidden, not_found

# Offerings whose records no longer change: they have left the catalogue for good or until published again.
CLOSED = ("withdrawn", "retired")


def _with_record(offering: Offering, record_id: str) -> tuple[list[dict], dict | None]:
    """A copy of the offering's records to change (a new list, so the JSON column is seen to change), and the one
    of this id in it."""
    kept = [dict(record) for record in offering.assurance_records]
    return kept, next((r for r in kept if r.get("id") == record_id), None)


def _check_open(offering: Offering) -> None:
    if offering.status in CLOSED:
        raise conflict(f"the records of a {offering.status} offering no longer change", current_state=offering.status)


async def replace(session: AsyncSession, *, offering: Offering, records_in: list[AssuranceRecordIn],
                  actor: Identity, now: datetime) -> Offering:
    """Replace every record of the offering (its supplier only); unchanged records keep their finding."""
    if not offerings.owns(actor, offering):
        raise forbidden("only the supplier this offering belongs to may change its assurance records")
    _check_open(offering)
    sent = records.stamped([record.model_dump(mode="json") for record in records_in], offering.assurance_records)
    if sent == offering.assurance_records:
        return offering
    changes = {"assurance_records": {"from": offering.assurance_records, "to": sent}}
    offering.assurance_records = sent
    await offerings.record_change(session, offering, OfferingEvidenced, action="replace_records",
                                  actor=actor.subject, now=now, changes=changes)
    return offering


async def review(session: AsyncSession, *, offering: Offering, record_id: str, review_in: RecordReview,
                 actor: Identity, now: datetime) -> Offering:
    """An assessor marks one record; marking it as it already is changes nothing."""
    _check_open(offering)
    kept, record = _with_record(offering, record_id)
    if record is None:
        raise not_found("assurance record", f"{record_id} of offering {offering.id}")
    if record["verification"] == review_in.verification:
        return offering
    changes = {f"assurance_records.{record_id}.verification": {"from": record["verification"],
                                                               "to": review_in.verification}}
    record.update(verification=review_in.verification, reviewed_at=now.isoformat())
    offering.assurance_records = kept
    await offerings.record_change(session, offering, OfferingReviewed, action="review_record",
                                  actor=actor.subject, now=now, changes=changes, reason=review_in.note,
                                  record_id=record_id, verification=review_in.verification)
    return offering


def _expiring(record: dict, today: date, until: date) -> bool:
    return (record_counts(record, today) and not record.get("expiry_notice_on")
            and date.fromisoformat(str(record["expires_on"])) <= until)


async def announce_expiring(session: AsyncSession, *, now: datetime, notice_days: int, lock: bool) -> int:
    """Announce each counted record that expires within `notice_days` and was not announced yet, one event
    per record; returns how many."""
    today = now.date()
    until = today + timedelta(days=notice_days)
    announced = 0
    for offering in await repository.with_records_expiring(session, today=today, until=until, lock=lock):
        for record_id in [r["id"] for r in offering.assurance_records if _expiring(r, today, until)]:
            kept, record = _with_record(offering, record_id)
            record["expiry_notice_on"] = today.isoformat()
            offering.assurance_records = kept
            await offerings.record_change(
                session, offering, OfferingForewarned, action="announce_expiry", actor=SYSTEM, now=now,
                changes={f"assurance_records.{record_id}.expiry_notice_on": {"from": None, "to": today.isoformat()}},
                reason=f"{record['standard']} certificate expires on {record['expires_on']}",
                record_id=record_id, expires_on=record["expires_on"])
            announced += 1
    return announced
