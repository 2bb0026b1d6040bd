"""Rules of shortlists: only their buyer sees them; offerings join while published and stay, marked by
status, when they leave the marketplace; the export is safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.offering import service as offerings
from catalogue.offering.models import Offering
from catalogue.search.service import held_certifications
from catalogue.shortlist import repository
from catalogue.shortlist.models import (MAX_ITEMS, Shortlist, ShortlistCreate, ShortlistedOffering, ShortlistItem,
                                        ShortlistItemPublic, ShortlistPublic)
from servicekit.identity import Identity
from servicekit.problems import conflict, forbidden, not_found, validation_problem
from servicekit.spreadsheet import safe_cell

EXPORT_COLUMNS = ("offering_id", "name", "supplier", "status", "categories", "engagement_type", "pricing_model",
                  "price_min_nzd", "price_max_nzd", "deployment", "data_residency", "te_reo_maori_support",
                  "risk_tier", "certifications_held", "notes", "added_at")


def same_agency(shortlist: Shortlist, identity: Identity) -> bool:
    return bool(identity.agency and shortlist.agency and shortlist.agency.casefold() == identity.agency.casefold())


async def get_readable(session: AsyncSession, shortlist_id: str, identity: Identity, *,
                       agency_readable: bool) -> Shortlist:
    """The caller's shortlist, or (with `agency_readable`) one of its agency's; 404 for anyone else's."""
    shortlist = await repository.get(session, shortlist_id)
    if shortlist is None or not (shortlist.owner == identity.subject
                                 or (agency_readable and same_agency(shortlist, identity))):
        raise not_found("shortlist", shortlist_id)
    return shortlist


async def get_own(session: AsyncSession, shortlist_id: str, identity: Identity, *,
                  agency_readable: bool = False) -> Shortlist:
    """The caller's shortlist, to change; 403 for one of its agency's it may only read, else 404 as if it
    did not exist."""
    shortlist = await get_readable(session, shortlist_id, identity, agency_readable=agency_readable)
    if shortlist.owner != identity.subject:
        raise forbidden("only the buyer who made this shortlist may change it; the agency's others may read it")
    return shortlist


def _touch(shortlist: Shortlist, now: datetime) -> None:
    shortlist.version += 1
    shortlist.updated_at = now


async def create(session: AsyncSession, *, shortlist_in: ShortlistCreate, actor: Identity,
                 now: datetime) -> Shortlist:
    """A new shortlist of the buyer's; every offering on it must be published (422 naming the others)."""
    ids = [item.offering_id for item in shortlist_in.items]
    found = await repository.offerings_by_id(session, ids)
    errors = [{"field": f"items.{n}.offering_id", "message": f"{offering_id}: no published offering has this id"}
              for n, offering_id in enumerate(ids)
              if offering_id not in found or found[offering_id].status != "published"]
    if errors:
        raise validation_problem(errors)
    shortlist = Shortlist(owner=actor.subject, agency=actor.agency, name=shortlist_in.name, version=1,
                          created_at=now, updated_at=now)
    session.add(shortlist)
    await session.flush()
    session.add_all([ShortlistItem(shortlist_id=shortlist.id, offering_id=item.offering_id, notes=item.notes,
                                   added_at=now, updated_at=now) for item in shortlist_in.items])
    return shortlist


def rename(shortlist: Shortlist, name: str, now: datetime) -> Shortlist:
    if name != shortlist.name:
        shortlist.name = name
        _touch(shortlist, now)
    return shortlist


async def put_item(session: AsyncSession, *, shortlist: Shortlist, offering_id: str, notes: str | None,
                   identity: Identity, now: datetime) -> tuple[ShortlistItem, bool]:
    """Add the offering with these notes, or change the notes of one already there; True when added.
    Only a published offering can be added (404 when the buyer cannot see it, 409 when not published)."""
    item = await repository.get_item(session, shortlist.id, offering_id)
    if item is not None:
        if item.notes != notes:
            item.notes, item.updated_at = notes, now
            _touch(shortlist, now)
        return item, False
    offering = await offerings.get_visible(session, offering_id, identity)
    if offering.status != "published":
        raise conflict(f"offering {offering_id} is {offering.status}; only published offerings can be shortlisted",
                       current_state=offering.status)
    if len(await repository.items_of(session, shortlist.id)) >= MAX_ITEMS:
        raise conflict(f"a shortlist holds at most {MAX_ITEMS} offerings")
    item = ShortlistItem(shortlist_id=shortlist.id, offering_id=offering_id, notes=notes, added_at=now,
                         updated_at=now)
    session.add(item)
    _touch(shortlist, now)
    return item, True


async def remove_item(session: AsyncSession, *, shortlist: Shortlist, offering_id: str, now: datetime) -> None:
    item = await repository.get_item(session, shortlist.id, offering_id)
    if item is None:
        raise not_found("shortlist item", offering_id)
    await session.delete(item)
    _touch(shortlist, now)


async def _items_with_offerings(session: AsyncSession,
                                shortlist: Shortlist) -> list[tuple[ShortlistItem, Offering]]:
    items = await repository.items_of(session, shortlist.id)
    found = await repository.offerings_by_id(session, [item.offering_id for item in items])
    return [(item, found[item.offering_id]) for item in items if item.offering_id in found]


async def view(session: AsyncSession, shortlist: Shortlist) -> ShortlistPublic:
    """The shortlist with each item's offering as it is now."""
    items = [ShortlistItemPublic(
        offering_id=item.offering_id, notes=item.notes, added_at=item.added_at, updated_at=item.updated_at,
        offering=ShortlistedOffering(name=o.name, summary=o.summary, supplier_id=o.supplier_id, status=o.status,
                                     available=o.status == "published"))
        for item, o in await _items_with_offerings(session, shortlist)]
    return ShortlistPublic(id=shortlist.id, name=shortlist.name, owner=shortlist.owner, agency=shortlist.agency,
                           version=shortlist.version,
                           created_at=shortlist.created_at, updated_at=shortlist.updated_at, items=items)


async def export_csv(session: AsyncSession, shortlist: Shortlist, today: date) -> str:
    """One row per item: the offering's key fields and the buyer's notes."""
    rows = await _items_with_offerings(session, shortlist)
    suppliers = await repository.supplier_names(session, {o.supplier_id for _, o in rows})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for item, o in rows:
        residency = o.data_residency.get("country") or o.data_residency["region"]
        writer.writerow([safe_cell(v) for v in (
            o.id, o.name, suppliers.get(o.supplier_id, o.supplier_id), o.status, " ".join(o.categories),
            o.engagement_type, o.pricing["model"], f"{o.pricing['min_nzd']:.2f}", f"{o.pricing['max_nzd']:.2f}", o.deployment,
            residency, "yes" if o.te_reo_maori_support else "no", o.risk_tier,
            " ".join(held_certifications(o, today)), item.notes, item.added_at.isoformat())])
    return out.getvalue()
