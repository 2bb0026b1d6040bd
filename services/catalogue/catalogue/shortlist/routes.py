"""HTTP routes of buyers' shortlists: create, read, rename, add or change and remove items, export as CSV."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from catalogue.shortlist import repository, service
from catalogue.shortlist.models import ItemNotes, ShortlistCreate, ShortlistPublic, ShortlistSummary, ShortlistUpdate
from servicekit.api import ClockDep, IdentityDep, require_roles
from servicekit.concurrency import check_if_match, set_etag
from servicekit.db import SessionDep
from servicekit.idempotency import IdempotencyDep
from servicekit.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(prefix="/api/v1/shortlists", tags=["shortlists"], dependencies=[require_roles("buyer")],
                   responses={404: {"description": "no shortlist of yours has this id"}})


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


@router.get("", response_model=Page[ShortlistSummary])
async def list_shortlists(session: SessionDep, identity: IdentityDep, cursor: CursorQuery = None,
                          limit: LimitQuery = 50):
    """The caller's own shortlists, newest first."""
    rows, next_cursor = await repository.list_page(session, owner=identity.subject, cursor=cursor, limit=limit)
    return Page[ShortlistSummary](data=[ShortlistSummary.model_validate(r, from_attributes=True) for r in rows],
                                  next_cursor=next_cursor)


@router.get("/{shortlist_id}", response_model=ShortlistPublic)
async def get_shortlist(shortlist_id: str, session: SessionDep, identity: IdentityDep, response: Response):
    """The shortlist with each offering as it is now (`available` false once it left the marketplace)."""
    return await _answer(session, response, await service.get_own(session, shortlist_id, identity))


@router.patch("/{shortlist_id}", response_model=ShortlistPublic)
async def rename_shortlist(shortlist_id: str, changes: ShortlistUpdate, request: Request, response: Response,
                           session: SessionDep, identity: IdentityDep, clock: ClockDep):
    """Rename the shortlist (If-Match required)."""
    shortlist = await service.get_own(session, shortlist_id, identity)
    check_if_match(request, shortlist.version)
    return await _answer(session, response, service.rename(shortlist, changes.name, clock.now()))


@router.delete("/{shortlist_id}", status_code=204)
async def delete_shortlist(shortlist_id: str, session: SessionDep, identity: IdentityDep) -> Response:
    await repository.delete_shortlist(session, await service.get_own(session, shortlist_id, identity))
    return Response(status_code=204)


@router.put("/{shortlist_id}/items/{offering_id}", response_model=ShortlistPublic, responses={
    201: {"description": "the offering was added"}, 200: {"description": "its notes were changed"},
    409: {"description": "the offering is not published, or the shortlist is full"}})
async def put_item(shortlist_id: str, offering_id: str, body: ItemNotes, session: SessionDep, identity: IdentityDep,
                   clock: ClockDep, response: Response):
    """Add a published offering with notes, or change the notes of one already on the shortlist."""
    shortlist = await service.get_own(session, shortlist_id, identity)
    _, added = await service.put_item(session, shortlist=shortlist, offering_id=offering_id, notes=body.notes,
                                      identity=identity, now=clock.now())
    response.status_code = 201 if added else 200
    await session.flush()
    return await _answer(session, response, shortlist)


@router.delete("/{shortlist_id}/items/{offering_id}", status_code=204)
async def remove_item(shortlist_id: str, offering_id: str, session: SessionDep, identity: IdentityDep,
                      clock: ClockDep) -> Response:
    shortlist = await service.get_own(session, shortlist_id, identity)
    await service.remove_item(session, shortlist=shortlist, offering_id=offering_id, now=clock.now())
    return Response(status_code=204)


@router.get("/{shortlist_id}/export.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}, "description": "one row per item"}})
async def export_shortlist(shortlist_id: str, session: SessionDep, identity: IdentityDep, clock: ClockDep) -> Response:
    """The shortlist as CSV: each offering's key fields and the notes; cells that a spreadsheet would run
    as a formula are prefixed with an apostrophe."""
    shortlist = await service.get_own(session, shortlist_id, identity)
    return Response(await service.export_csv(session, shortlist, clock.now().date()), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="shortlist-{shortlist.id}.csv"'})
