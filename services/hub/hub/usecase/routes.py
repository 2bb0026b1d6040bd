"""HTTP routes of use cases: buyers and admins register and change them; anyone reads them."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from hub.flows import FlowsDep
from hub.usecase import repository, service
from hub.usecase.models import Phase, UseCaseCreate, UseCasePublic, UseCaseUpdate
from servicekit.api import ClockDep, IdentityDep, require_roles
from servicekit.concurrency import check_if_match, set_etag
from servicekit.db import SessionDep
from servicekit.history import HistoryEntry, read_history
from servicekit.idempotency import IdempotencyDep
from servicekit.models import Reason
from servicekit.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(prefix="/api/v1/registry/use-cases", tags=["registry use cases"])
Editor = require_roles("buyer", "admin")
SignedIn = require_roles("admin", "assessor", "buyer", "partner", "supplier")
Action = Literal["design", "develop", "pilot", "launch", "rework", "retire"]
CONFLICT = {409: {"description": "the phase table does not allow this from the current phase, or the impact "
                                 "assessments are not done for production"}}


@router.post("", status_code=201, response_model=UseCasePublic, dependencies=[Editor],
             responses={403: {"description": "a buyer named another agency than its own, or has none"},
                        422: {"description": "a field is not valid, or a linked offering is not published"}})
async def create_use_case(use_case_in: UseCaseCreate, session: SessionDep, identity: IdentityDep, clock: ClockDep,
                          idempotency: IdempotencyDep, request: Request, flows: FlowsDep) -> Response:
    """Register an agency's AI use case (buyers and admins; Idempotency-Key honoured)."""
    if replay := await idempotency.replay():
        return replay
    use_case = await flows.register_use_case(session, use_case_in=use_case_in, actor=identity, now=clock.now())
    return idempotency.respond(201, await service.public(session, use_case), headers={
        "Location": f"{request.url.path}/{use_case.id}", "ETag": f'"{use_case.version}"'})


@router.get("", response_model=Page[UseCasePublic])
async def list_use_cases(session: SessionDep, cursor: CursorQuery = None, limit: LimitQuery = 50,
                         agency: Annotated[str | None, Query(max_length=200)] = None, phase: Phase | None = None):
    """Use cases, newest first, retired ones included (no token needed)."""
    rows, next_cursor = await repository.list_page(session, agency=agency, phase=phase, cursor=cursor, limit=limit)
    return Page[UseCasePublic](data=[await service.public(session, r) for r in rows], next_cursor=next_cursor)


@router.get("/{use_case_id}", response_model=UseCasePublic)
async def get_use_case(use_case_id: str, session: SessionDep, response: Response):
    """One use case with its ETag and where each linked offering stands."""
    use_case = await service.get(session, use_case_id)
    set_etag(response, use_case.version)
    return await service.public(session, use_case)


@router.patch("/{use_case_id}", response_model=UseCasePublic, dependencies=[Editor],
              responses={409: {"description": "a retired use case cannot be changed"}})
async def update_use_case(use_case_id: str, changes: UseCaseUpdate, request: Request, response: Response,
                          session: SessionDep, identity: IdentityDep, clock: ClockDep, flows: FlowsDep):
    """Change a use case (the buyer who registered it, or an admin; If-Match required)."""
    use_case = await service.get(session, use_case_id)
    service.check_may_change(use_case, identity)
    check_if_match(request, use_case.version)
    use_case = await flows.change_use_case(session, use_case=use_case, changes_in=changes, actor=identity,
                                          now=clock.now())
    set_etag(response, use_case.version)
    return await service.public(session, use_case)


@router.get("/{use_case_id}/history", response_model=Page[HistoryEntry], dependencies=[SignedIn])
async def use_case_history(use_case_id: str, session: SessionDep, cursor: CursorQuery = None,
                           limit: LimitQuery = 50):
    """Every change of the use case, oldest first."""
    await service.get(session, use_case_id)
    return await read_history(session, aggregate_type=service.AGGREGATE, aggregate_id=use_case_id,
                              cursor=cursor, limit=limit)


@router.post("/{use_case_id}/{action}", response_model=UseCasePublic, responses=CONFLICT, dependencies=[Editor])
async def transition_use_case(use_case_id: str, action: Action, session: SessionDep, identity: IdentityDep,
                              clock: ClockDep, response: Response, flows: FlowsDep, body: Reason | None = None):
    """Move the phase: design, develop, pilot, launch (impact assessments done), rework (reason), retire
    (reason; the use case leaves the public registry)."""
    use_case = await service.get(session, use_case_id)
    use_case = await flows.move_use_case(session, use_case=use_case, action=action, actor=identity, now=clock.now(),
                                         reason=body.reason if body else None)
    set_etag(response, use_case.version)
    return await service.public(session, use_case)
