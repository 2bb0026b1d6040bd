"""HTTP routes of the sync: its status, and reconciliation on demand (admins)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from hub.sync import service
from hub.sync.client import HubUnavailable
from hub.sync.models import ReconcileOutcome, SyncStatus
from servicekit.api import require_roles
from servicekit.db import SessionDep
from servicekit.problems import Problem

router = APIRouter(prefix="/api/v1/registry/sync", tags=["registry sync"])
Admin = require_roles("admin")


@router.get("/status", response_model=SyncStatus, dependencies=[Admin])
async def sync_status(request: Request, session: SessionDep):
    """Backlog, last success and failures of the push to the external hub."""
    return await service.status(session, request.app.state.settings)


@router.post("/reconcile", response_model=ReconcileOutcome, dependencies=[Admin],
             responses={409: {"description": "no external hub is configured"},
                        502: {"description": "the external hub could not be asked what it holds"}})
async def reconcile_now(request: Request):
    """Compare what the external hub holds with the registry and queue a push for every difference."""
    sync: service.Sync | None = request.app.state.sync
    if sync is None:
        raise Problem(409, "no external hub is configured (HUB_SYNC_URL)", kind="sync-not-configured")
    try:
        return await sync.reconcile()
    except HubUnavailable as exc:
        raise Problem(502, f"the external hub did not answer: {exc}", kind="hub-unavailable") from exc
