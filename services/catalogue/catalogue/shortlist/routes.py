"""HTTP routes of buyers' shortlists: create, read, rename, add or change and remove items, export as CSV."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response

from catalogue.shortlist import repository, service
from catalogue.shortlist.models import ItemNotes, ShortlistCreate, ShortlistPublic, ShortlistSummary, ShortlistUpdate
from servicekit.api import ClockDep, IdentityDep, require_roles
from servicekit.concurrency import check_if_match, set_etag
from servicekit.db import SessionDep
from servicekit.idempotency import IdempotencyDep
from servicekit.pagination import CursorQuery, LimitQuery, Page
from servicekit.problems import forbidden

router = APIRouter(prefix="/api/v1/shortlists", tags=["shortlists"], dependencies=[require_roles("buyer")],
                   responses={404: {"description": "no shortlist of yours (or your agency's, where shared) has this id"}})
# A change of a shortlist the caller may only read (its agency's).
READ_ONLY = {403: {"description": "the shortlist is your agency's, which you may read but not change"}}


def _agency_readable(request: Request) -> bool:
    return request.app.state.settings.agency_shortlists_readable


async def _answer(session, response: Response, shortlist) -> ShortlistPublic:
    set_etag(response, shortlist.version)
    return await service.view(session, shortlist)


@router.post("", status_code=201, response_model=ShortlistPublic,
             responses={422: {"description": "a field is not valid, or an item is not a published offering"}})
async def create_shortlist(shortlist_in: ShortlistCreate, session: SessionDep, identity: IdentityDep,
                           clock: ClockDep, idempotency: IdempotencyDep, request: Request) -> Response:
    """A buyer saves a shortlist of published offerings with notes (Idempotency-Key honoured)."""
    if replay := await idempotency.replay():
        return replay
    shortlist = await service.create(session, shortlist_in=shortlist_in, actor=identity, now=clock.now())
    return idempotency.respond(201, await service.view(session, shortlist), headers={
        "Location": f"{request.url.path}/{shortlist.id}", "ETag": f'"{shortlist.version}"'})


@router.get("", response_model=Page[ShortlistSummary],
            responses={403: {"description": "`of=agency`, where the agency's shortlists are not shared"}})
async def list_shortlists(session: SessionDep, identity: IdentityDep, request: Request, cursor: CursorQuery = None,
                          limit: LimitQuery = 50, of: Literal["me", "agency"] = "me"):
    """The caller's own shortlists, newest first; `of=agency`: every shortlist of the caller's agency, to read
    (where the marketplace shares them: CATALOGUE_AGENCY_SHORTLISTS_READABLE)."""
    if of == "agency":
        if not (_agency_readable(request) and identity.agency):
            raise forbidden("the shortlists of your agency are not shared with you")
        rows, next_cursor = await repository.list_page(session, agency=identity.agency, cursor=cursor, limit=limit)
    else:
        rows, next_cursor = await repository.list_page(session, owner=identity.subject, cursor=cursor, limit=limit)
    return Page[ShortlistSummary](data=[ShortlistSummary.model_validate(r, from_attributes=True) for r in rows],
                                  next_cursor=next_cursor)


@router.get("/{shortlist_id}", response_model=ShortlistPublic)
async def get_shortlist(shortlist_id: str, session: SessionDep, identity: IdentityDep, request: Request,
                        response: Response):
    """The shortlist with each offering as it is now (`available` false once it left the marketplace); the
    caller's own, or its agency's where they are shared."""
    return await _answer(session, response, await service.get_readable(
        session, shortlist_id, identity, agency_readable=_agency_readable(request)))


@router.patch("/{shortlist_id}", response_model=ShortlistPublic, responses=READ_ONLY)
async def rename_shortlist(shortlist_id: str, changes: ShortlistUpdate, request: Request, response: Response,
                           session: SessionDep, identity: IdentityDep, clock: ClockDep):
    """Rename the shortlist (If-Match required)."""
    shortlist = await service.get_own(session, shortlist_id, identity, agency_readable=_agency_readable(request))
    check_if_match(request, shortlist.version)
    return await _answer(session, response, service.rename(shortlist, changes.name, clock.now()))


@router.delete("/{shortlist_id}", status_code=204, responses=READ_ONLY)
async def delete_shortlist(shortlist_id: str, session: SessionDep, identity: IdentityDep, request: Request) -> Response:
    shortlist = await service.get_own(session, shortlist_id, identity, agency_readable=_agency_readable(request))
    await repository.delete_shortlist(session, shortlist)
    return Response(status_code=204)


@router.put("/{shortlist_id}/items/{offering_id}", response_model=ShortlistPublic, responses={
    201: {"description": "the offering was added"}, 200: {"description": "its notes were changed"},
    409: {"description": "the offering is not published, or the shortlist is full"}} | READ_ONLY)
async def put_item(shortlist_id: str, offering_id: str, body: ItemNotes, session: SessionDep, identity: IdentityDep,
                   clock: ClockDep, request: Request, response: Response):
    """Add a published offering with notes, or change the notes of one already on the shortlist."""
    shortlist = await service.get_own(session, shortlist_id, identity, agency_readable=_agency_readable(request))
    _, added = await service.put_item(session, shortlist=shortlist, offering_id=offering_id, notes=body.notes,
                                      identity=identity, now=clock.now())
    response.status_code = 201 if added else 200
    await session.flush()
    return await _answer(session, response, shortlist)


@router.delete("/{shortlist_id}/items/{offering_id}", status_code=204, responses=READ_ONLY)
async def remove_item(shortlist_id: str, offering_id: str, session: SessionDep, identity: IdentityDep,
                      clock: ClockDep, request: Request) -> Response:
    shortlist = await service.get_own(session, shortlist_id, identity, agency_readable=_agency_readable(request))
    await service.remove_item(session, shortlist=shortlist, offering_id=offering_id, now=clock.now())
    return Response(status_code=204)


@router.get("/{shortlist_id}/export.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}, "description": "one row per item"}})
async def export_shortlist(shortlist_id: str, session: SessionDep, identity: IdentityDep, clock: ClockDep,
                           request: Request) -> Response:
    """The shortlist as CSV: each offering's key fields and the notes; cells that a spreadsheet would run
    as a formula are prefixed with an apostrophe."""
    shortlist = await service.get_readable(session, shortlist_id, identity, agency_readable=_agency_readable(request))
    return Response(await service.export_csv(session, shortlist, clock.now().date()), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="shortlist-{shortlist.id}.csv"'})
