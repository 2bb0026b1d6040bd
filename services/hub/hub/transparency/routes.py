"""HTTP routes of transparency records: the use case's buyer or an admin writes one; anyone reads and exports."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from hub.transparency import export, service
from hub.transparency.models import TransparencyRecordIn, TransparencyRecordPublic
from hub.usecase import service as use_cases
from servicekit.api import ClockDep, IdentityDep, require_roles
from servicekit.concurrency import check_if_match, set_etag
from servicekit.db import SessionDep
from servicekit.history import HistoryEntry, read_history
from servicekit.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(prefix="/api/v1/registry", tags=["registry transparency records"])
Editor = require_roles("buyer", "admin")
SignedIn = require_roles("admin", "assessor", "buyer", "partner", "supplier")
RECORD = "/use-cases/{use_case_id}/transparency"


@router.get(RECORD, response_model=TransparencyRecordPublic)
async def get_transparency_record(use_case_id: str, session: SessionDep, response: Response):
    """The use case's transparency record, ATRS tier 1 and tier 2, with its ETag (no token needed)."""
    use_case = await use_cases.get(session, use_case_id)
    record = await service.get(session, use_case_id)
    set_etag(response, record.version)
    return await service.public(session, record, use_case)


@router.put(RECORD, response_model=TransparencyRecordPublic, dependencies=[Editor], responses={
    201: {"model": TransparencyRecordPublic, "description": "the record was created"},
    409: {"description": "the use case is retired"},
    422: {"description": "a field is not valid, or the EU AI Act fields are missing for a high-risk use case"}})
async def put_transparency_record(use_case_id: str, record_in: TransparencyRecordIn, request: Request,
                                  response: Response, session: SessionDep, identity: IdentityDep, clock: ClockDep):
    """Write the use case's transparency record whole (the buyer who registered the use case, or an admin);
    replacing one needs If-Match."""
    use_case = await use_cases.get(session, use_case_id)
    use_cases.check_may_change(use_case, identity)
    if existing := await service.find(session, use_case_id):
        check_if_match(request, existing.version)
    record, created = await service.write(session, use_case=use_case, record_in=record_in, actor=identity,
                                          now=clock.now())
    response.status_code = 201 if created else 200
    set_etag(response, record.version)
    return await service.public(session, record, use_case)


@router.get(RECORD + "/history", response_model=Page[HistoryEntry], dependencies=[SignedIn])
async def transparency_record_history(use_case_id: str, session: SessionDep, cursor: CursorQuery = None,
                                      limit: LimitQuery = 50):
    """Every change of the record, oldest first, with what changed."""
    await service.get(session, use_case_id)
    return await read_history(session, aggregate_type=service.AGGREGATE, aggregate_id=use_case_id,
                              cursor=cursor, limit=limit)


@router.get("/transparency/export.csv", response_class=StreamingResponse,
            responses={200: {"content": {"text/csv": {}}, "description": "every transparency record"}})
async def export_transparency_csv(request: Request):
    """Every transparency record as CSV in ATRS column order, streamed."""
    return StreamingResponse(export.as_csv(request.app.state.database), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="ai-transparency-records.csv"'})


@router.get("/transparency/export.json", response_class=StreamingResponse,
            responses={200: {"content": {"application/json": {}}, "description": "every transparency record"}})
async def export_transparency_json(request: Request):
    """Every transparency record as a JSON array of objects keyed by the ATRS columns in order, streamed."""
    return StreamingResponse(export.as_json(request.app.state.database), media_type="application/json",
                             headers={"Content-Disposition": 'attachment; filename="ai-transparency-records.json"'})
