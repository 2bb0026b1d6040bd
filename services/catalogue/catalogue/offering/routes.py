"""HTTP routes of offerings: suppliers draft and submit, assessors publish or reject, admins suspend,
reinstate and retire; published offerings are public (search and comparison: catalogue.search.routes)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response

from catalogue.offering import service
from catalogue.offering.models import OfferingCreate, OfferingPublic, OfferingUpdate
from servicekit.api import ClockDep, IdentityDep, require_roles
from servicekit.concurrency import check_if_match, set_etag
from servicekit.db import SessionDep
from servicekit.models import Reason
from servicekit.history import HistoryEntry, read_history
from servicekit.idempotency import IdempotencyDep
from servicekit.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(prefix="/api/v1/offerings", tags=["offerings"])
SignedIn = require_roles("admin", "assessor", "buyer", "partner", "supplier")
Supplier = require_roles("supplier")
Action = Literal["submit", "publish", "reject", "redraft", "withdraw", "suspend", "reinstate", "retire"]
CONFLICT = {409: {"description": "the life cycle does not allow this from the current state, or the supplier "
                                 "is not eligible to sell in the offering's categories"}}


def _public(offering) -> OfferingPublic:
    return OfferingPublic.model_validate(offering, from_attributes=True)


def answer(response: Response, offering) -> OfferingPublic:
    """The offering as callers see it, with its ETag (the routes of its records answer the same way)."""
    set_etag(response, offering.version)
    return _public(offering)


@router.post("", status_code=201, response_model=OfferingPublic, dependencies=[Supplier],
             responses={422: {"description": "a field is not valid, or a category is unknown or retired"},
                        409: {"description": "a supplier not yet verified already holds its limit of offerings"}})
async def create_offering(offering_in: OfferingCreate, session: SessionDep, identity: IdentityDep, clock: ClockDep,
                          idempotency: IdempotencyDep, request: Request) -> Response:
    """A supplier starts a draft offering of its own (Idempotency-Key honoured)."""
    if replay := await idempotency.replay():
        return replay
    offering = await service.create(session, offering_in=offering_in, actor=identity, now=clock.now(),
                                    unverified_limit=request.app.state.settings.unverified_offering_limit)
    return idempotency.respond(201, _public(offering), headers={
        "Location": f"{request.url.path}/{offering.id}", "ETag": f'"{offering.version}"'})


@router.get("/{offering_id}", response_model=OfferingPublic)
async def get_offering(offering_id: str, session: SessionDep, identity: IdentityDep, response: Response):
    """One offering, with its ETag (drafts, submitted and rejected ones only for their supplier and operators)."""
    return answer(response, await service.get_visible(session, offering_id, identity))


@router.patch("/{offering_id}", response_model=OfferingPublic, dependencies=[SignedIn],
              responses={409: {"description": "only drafts and rejected offerings can be changed"}})
async def update_offering(offering_id: str, changes: OfferingUpdate, request: Request, response: Response,
                          session: SessionDep, identity: IdentityDep, clock: ClockDep):
    """Change a draft or rejected offering (its supplier only; If-Match required)."""
    offering = await service.get_visible(session, offering_id, identity)
    service.check_editable(offering, identity)
    check_if_match(request, offering.version)
    offering = await service.update(session, offering=offering, changes_in=changes, actor=identity, now=clock.now())
    return answer(response, offering)


@router.get("/{offering_id}/history", response_model=Page[HistoryEntry], dependencies=[SignedIn])
async def offering_history(offering_id: str, session: SessionDep, identity: IdentityDep,
                           cursor: CursorQuery = None, limit: LimitQuery = 50):
    """Every change of the offering, oldest first (its supplier, assessors and admins)."""
    await service.get_history_readable(session, offering_id, identity)
    return await read_history(session, aggregate_type=service.AGGREGATE, aggregate_id=offering_id,
                              cursor=cursor, limit=limit)


@router.post("/{offering_id}/{action}", response_model=OfferingPublic, responses=CONFLICT, dependencies=[SignedIn])
async def transition_offering(offering_id: str, action: Action, session: SessionDep, identity: IdentityDep,
                              clock: ClockDep, response: Response, body: Reason | None = None):
    """submit, redraft, withdraw (its supplier); publish, reject (reason) (assessor); suspend (reason),
    reinstate, retire (admin). Publishing and reinstating need the supplier to be eligible."""
    offering = await service.get_visible(session, offering_id, identity)
    offering = await service.apply_transition(session, offering=offering, action=action, actor=identity,
                                              now=clock.now(), reason=body.reason if body else None)
    return answer(response, offering)
