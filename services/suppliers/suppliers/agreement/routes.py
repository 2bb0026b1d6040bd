"""HTTP routes of agreements."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response

from events.suppliers import AgreementStatus, AgreementType
from servicekit.api import ClockDep, IdentityDep, require_roles
from servicekit.concurrency import set_etag
from servicekit.db import SessionDep
from servicekit.models import Reason
from servicekit.history import HistoryEntry, read_history
from servicekit.idempotency import IdempotencyDep
from servicekit.pagination import CursorQuery, LimitQuery, Page
from suppliers.agreement import repository, service
from suppliers.agreement.models import AgreementCreate, AgreementPublic, Signature, Variation

router = APIRouter(prefix="/api/v1/agreements", tags=["agreements"])
# Agreements hold negotiated terms: the operator, assessors and the supplier itself, nobody else.
SignedIn = require_roles("admin", "assessor", "supplier")
Admin = require_roles("admin")
AdminAction = Literal["countersign", "suspend", "reinstate", "terminate"]
CONFLICT = {409: {"description": "the life cycle does not allow this from the current state"}}


def _public(agreement) -> AgreementPublic:
    return AgreementPublic.model_validate(agreement, from_attributes=True)


def _answer(response: Response, agreement) -> AgreementPublic:
    set_etag(response, agreement.version)
    return _public(agreement)


@router.post("", status_code=201, response_model=AgreementPublic, dependencies=[Admin],
             responses={404: {"description": "no supplier has the supplier_id"}})
async def offer_agreement(agreement_in: AgreementCreate, session: SessionDep, identity: IdentityDep,
                          clock: ClockDep, idempotency: IdempotencyDep, request: Request) -> Response:
    """The operator offers an agreement to a supplier."""
    if replay := await idempotency.replay():
        return replay
    agreement = await service.offer(session, agreement_in=agreement_in, actor=identity, now=clock.now())
    return idempotency.respond(201, _public(agreement), headers={
        "Location": f"{request.url.path}/{agreement.id}", "ETag": f'"{agreement.version}"'})


@router.get("", response_model=Page[AgreementPublic], dependencies=[SignedIn])
async def list_agreements(session: SessionDep, identity: IdentityDep, cursor: CursorQuery = None,
                          limit: LimitQuery = 50, supplier_id: str | None = None,
                          status: AgreementStatus | None = None, type: AgreementType | None = None):
    """Agreements, newest first (a supplier sees only its own)."""
    if identity.roles == {"supplier"}:
        supplier_id = identity.supplier_id
    rows, next_cursor = await repository.list_page(session, supplier_id=supplier_id, status=status, type_=type,
                                                   cursor=cursor, limit=limit)
    return Page[AgreementPublic](data=[_public(r) for r in rows], next_cursor=next_cursor)


@router.get("/{agreement_id}", response_model=AgreementPublic, dependencies=[SignedIn])
async def get_agreement(agreement_id: str, session: SessionDep, identity: IdentityDep, response: Response):
    """One agreement, with its ETag."""
    return _answer(response, await service.get_visible(session, agreement_id, identity))


@router.get("/{agreement_id}/history", response_model=Page[HistoryEntry], dependencies=[SignedIn])
async def agreement_history(agreement_id: str, session: SessionDep, identity: IdentityDep,
                            cursor: CursorQuery = None, limit: LimitQuery = 50):
    """Every change of the agreement, oldest first."""
    await service.get_visible(session, agreement_id, identity)
    return await read_history(session, aggregate_type=service.AGGREGATE, aggregate_id=agreement_id,
                              cursor=cursor, limit=limit)


# sign and vary carry a body of their own (a signature, a variation), so each keeps its route; they come
# before the one route of the other actions, whose `{action}` would otherwise take their paths.
@router.post("/{agreement_id}/sign", response_model=AgreementPublic, responses=CONFLICT, dependencies=[SignedIn])
async def sign_agreement(agreement_id: str, signature: Signature, session: SessionDep, identity: IdentityDep,
                         clock: ClockDep, response: Response):
    """The supplier signs the agreement offered to it."""
    agreement = await service.get_visible(session, agreement_id, identity)
    agreement = await service.apply_transition(session, agreement=agreement, action="sign", actor=identity,
                                               now=clock.now(), signature=signature)
    return _answer(response, agreement)


@router.post("/{agreement_id}/vary", response_model=AgreementPublic, responses=CONFLICT, dependencies=[SignedIn])
async def vary_agreement(agreement_id: str, variation: Variation, session: SessionDep, identity: IdentityDep,
                         clock: ClockDep, response: Response):
    """A numbered variation of scope, end date or commitments (admin)."""
    agreement = await service.get_visible(session, agreement_id, identity)
    agreement = await service.apply_transition(session, agreement=agreement, action="vary", actor=identity,
                                               now=clock.now(), variation=variation)
    return _answer(response, agreement)


@router.post("/{agreement_id}/{action}", response_model=AgreementPublic, responses=CONFLICT,
             dependencies=[SignedIn])
async def transition_agreement(agreement_id: str, action: AdminAction, session: SessionDep, identity: IdentityDep,
                               clock: ClockDep, response: Response, body: Reason | None = None):
    """countersign (makes it active), suspend (reason), reinstate, terminate (reason)."""
    agreement = await service.get_visible(session, agreement_id, identity)
    agreement = await service.apply_transition(session, agreement=agreement, action=action, actor=identity,
                                               now=clock.now(), reason=body.reason if body else None)
    return _answer(response, agreement)
