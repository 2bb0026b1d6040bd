"""HTTP routes of accreditations. The register is public (no token needed): anyone may list and read
accreditations, in every state, so buyers and partner systems can check a provider. The history,
which carries show-cause reasons, is for the provider itself, assessors and admins."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from accreditation.accreditation import repository, service
from accreditation.accreditation.models import AccreditationPublic
from events.accreditation import AccreditationStatus, TrainingArea
from servicekit.api import ClockDep, IdentityDep, require_roles
from servicekit.concurrency import set_etag
from servicekit.db import SessionDep
from servicekit.history import HistoryEntry, read_history
from servicekit.models import Reason
from servicekit.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(prefix="/api/v1/accreditations", tags=["accreditations"])
SignedIn = require_roles("admin", "assessor", "buyer", "partner", "supplier")
Action = Literal["renew", "suspend", "reinstate", "revoke", "surrender"]
CONFLICT = {409: {"description": "the life cycle does not allow this from the current state, or the supplier "
                                 "is not active"}}


def _public(accreditation) -> AccreditationPublic:
    return AccreditationPublic.model_validate(accreditation, from_attributes=True)


@router.get("", response_model=Page[AccreditationPublic])
async def list_accreditations(session: SessionDep, cursor: CursorQuery = None, limit: LimitQuery = 50,
                              supplier_id: Annotated[str | None, Query(max_length=36)] = None,
                              status: AccreditationStatus | None = None, area: TrainingArea | None = None):
    """Accreditations, newest first, by supplier, status and training area (public)."""
    rows, next_cursor = await repository.list_page(session, supplier_id=supplier_id, status=status, area=area,
                                                   cursor=cursor, limit=limit)
    return Page[AccreditationPublic](data=[_public(r) for r in rows], next_cursor=next_cursor)


@router.get("/{accreditation_id}", response_model=AccreditationPublic)
async def get_accreditation(accreditation_id: str, session: SessionDep, response: Response):
    """One accreditation, with its ETag (public)."""
    accreditation = await service.get(session, accreditation_id)
    set_etag(response, accreditation.version)
    return _public(accreditation)


@router.get("/{accreditation_id}/history", response_model=Page[HistoryEntry], dependencies=[SignedIn])
async def accreditation_history(accreditation_id: str, session: SessionDep, identity: IdentityDep,
                                cursor: CursorQuery = None, limit: LimitQuery = 50):
    """Every change of the accreditation, oldest first (its supplier, assessors and admins)."""
    service.check_history_reader(identity, await service.get(session, accreditation_id))
    return await read_history(session, aggregate_type=service.AGGREGATE, aggregate_id=accreditation_id,
                              cursor=cursor, limit=limit)


@router.post("/{accreditation_id}/{action}", response_model=AccreditationPublic, responses=CONFLICT,
             dependencies=[SignedIn])
async def transition_accreditation(accreditation_id: str, action: Action, session: SessionDep,
                                   identity: IdentityDep, clock: ClockDep, response: Response,
                                   body: Reason | None = None):
    """renew (a new three-year period), suspend (show-cause reason), reinstate, revoke (reason): assessors and
    admins; surrender: the provider itself."""
    accreditation = await service.get(session, accreditation_id)
    accreditation = await service.apply_transition(session, accreditation=accreditation, action=action,
                                                   actor=identity, now=clock.now(),
                                                   reason=body.reason if body else None)
    set_etag(response, accreditation.version)
    return _public(accreditation)
