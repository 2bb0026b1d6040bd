"""HTTP routes of the registry: entries (public), streamed exports, insights, and the rebuild (admins)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from events.hub import EntryType
from hub.flows import FlowsDep, RebuildOutcome
from hub.registry import export, repository, service
from hub.insights import Insights, insights
from hub.registry.models import EntryPublic, public
from servicekit.api import ClockDep, IdentityDep, require_roles
from servicekit.db import SessionDep
from servicekit.history import HistoryEntry, read_history
from servicekit.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(prefix="/api/v1/registry", tags=["registry"])
Admin = require_roles("admin")
Text = Annotated[str | None, Query(max_length=200, description="Words that must all appear")]
Code = Annotated[str | None, Query(max_length=100)]


@router.get("/entries", response_model=Page[EntryPublic])
async def list_entries(session: SessionDep, identity: IdentityDep, cursor: CursorQuery = None,
                       limit: LimitQuery = 50, type: EntryType | None = None, category: Code = None,
                       agency: Annotated[str | None, Query(max_length=200)] = None, supplier_id: Code = None,
                       text: Text = None, include_left: bool = False,
                       sort: Annotated[Literal["name", "newest"], Query(
                           description="`name` (the default) or `newest`: the most recently listed first")] = "name"):
    """The public registry, by name or newest first: filter by type, category, agency, supplier and text.
    Admins may add `include_left=true` to see entries that left it."""
    rows, next_cursor = await repository.list_page(
        session, cursor=cursor, limit=limit, sort=sort, type_=type, category=category, agency=agency,
        supplier_id=supplier_id, text=text, include_left=include_left and identity.has_role("admin"))
    return Page[EntryPublic](data=[public(r) for r in rows], next_cursor=next_cursor)


@router.get("/entries/{entry_id}", response_model=EntryPublic)
async def get_entry(entry_id: str, session: SessionDep, identity: IdentityDep):
    """One entry (one that left the registry: admins only)."""
    return public(await service.get_entry(session, entry_id, include_left=identity.has_role("admin")))


@router.get("/entries/{entry_id}/history", response_model=Page[HistoryEntry], dependencies=[Admin])
async def entry_history(entry_id: str, session: SessionDep, cursor: CursorQuery = None, limit: LimitQuery = 50):
    """When the entry was added, changed and removed, oldest first."""
    await service.get_entry(session, entry_id, include_left=True)
    return await read_history(session, aggregate_type="registry_entry", aggregate_id=entry_id,
                              cursor=cursor, limit=limit)


@router.get("/export.json", response_class=StreamingResponse,
            responses={200: {"content": {"application/json": {}}, "description": "every listed entry"}})
async def export_json(request: Request):
    """The whole public registry as a JSON array, streamed."""
    return StreamingResponse(export.as_json(request.app.state.database), media_type="application/json",
                             headers={"Content-Disposition": 'attachment; filename="ai-hub-registry.json"'})


@router.get("/export.csv", response_class=StreamingResponse,
            responses={200: {"content": {"text/csv": {}}, "description": "every listed entry"}})
async def export_csv(request: Request):
    """The whole public registry as CSV, streamed (cells that a spreadsheet would run are quoted)."""
    return StreamingResponse(export.as_csv(request.app.state.database), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="ai-hub-registry.csv"'})


@router.get("/insights", response_model=Insights)
async def registry_insights(session: SessionDep, request: Request, clock: ClockDep):
    """Counts by type, category, agency, risk level and use-case phase, entries by month of first appearance, the
    annual survey's figures year on year (a year is published once it is over and enough agencies answered), and
    each agency's years."""
    return await insights(session, now=clock.now(), min_agencies=request.app.state.settings.survey_min_agencies)


@router.post("/rebuild", response_model=RebuildOutcome, dependencies=[Admin])
async def rebuild_registry(request: Request, flows: FlowsDep):
    """Replay every source topic from the beginning into an empty registry and swap it in."""
    return await flows.rebuild(request.app.state.database, request.app.state.settings)
