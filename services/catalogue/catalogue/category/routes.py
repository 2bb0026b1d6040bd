"""HTTP routes of categories: the tree and single categories are public; changes are for admins."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from catalogue.category import service
from catalogue.category.models import CategoryCreate, CategoryPublic, CategoryTree, CategoryUpdate
from events.catalogue import CategoryAxis, CategoryStatus
from servicekit.api import ClockDep, IdentityDep, require_roles
from servicekit.concurrency import check_if_match, set_etag
from servicekit.db import SessionDep
from servicekit.models import Reason
from servicekit.history import HistoryEntry, read_history
from servicekit.idempotency import IdempotencyDep
from servicekit.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(prefix="/api/v1/categories", tags=["categories"])
SignedIn = require_roles("admin", "assessor", "buyer", "partner", "supplier")
Admin = require_roles("admin")


def _answer(response: Response, category) -> CategoryPublic:
    set_etag(response, category.version)
    return CategoryPublic.model_validate(category, from_attributes=True)


@router.get("", response_model=CategoryTree)
async def category_tree(session: SessionDep, status: CategoryStatus | None = None, axis: CategoryAxis | None = None):
    """The taxonomy as a tree: both axes, children nested (no token needed)."""
    return await service.tree(session, status=status, axis=axis)


@router.post("", status_code=201, response_model=CategoryPublic, dependencies=[Admin],
             responses={409: {"description": "code taken, or the parent is retired"}})
async def create_category(category_in: CategoryCreate, session: SessionDep, identity: IdentityDep, clock: ClockDep,
                          idempotency: IdempotencyDep, request: Request) -> Response:
    """Add a category at the top of an axis or under an active parent of the same axis."""
    if replay := await idempotency.replay():
        return replay
    category = await service.create(session, category_in=category_in, actor=identity, now=clock.now())
    body = CategoryPublic.model_validate(category, from_attributes=True)
    return idempotency.respond(201, body, headers={
        "Location": f"{request.url.path}/{category.code}", "ETag": f'"{category.version}"'})


@router.get("/{code}", response_model=CategoryPublic)
async def get_category(code: str, session: SessionDep, response: Response):
    """One category, with its ETag (no token needed)."""
    return _answer(response, await service.get(session, code))


@router.patch("/{code}", response_model=CategoryPublic, dependencies=[Admin])
async def update_category(code: str, changes: CategoryUpdate, request: Request, response: Response,
                          session: SessionDep, identity: IdentityDep, clock: ClockDep):
    """Change the name or description (If-Match required)."""
    category = await service.get(session, code)
    check_if_match(request, category.version)
    category = await service.update(session, category=category, changes_in=changes, actor=identity, now=clock.now())
    return _answer(response, category)


@router.post("/{code}/retire", response_model=CategoryPublic, dependencies=[Admin],
             responses={409: {"description": "already retired, or it has active children"}})
async def retire_category(code: str, session: SessionDep, identity: IdentityDep, clock: ClockDep,
                          response: Response, body: Reason | None = None):
    """Retire a category (reason required); its children must be retired first. Offerings in it are kept."""
    category = await service.get(session, code)
    category = await service.retire(session, category=category, actor=identity, reason=body.reason if body else None,
                                   now=clock.now())
    return _answer(response, category)


@router.get("/{code}/history", response_model=Page[HistoryEntry], dependencies=[SignedIn])
async def category_history(code: str, session: SessionDep, cursor: CursorQuery = None, limit: LimitQuery = 50):
    """Every change of the category, oldest first."""
    await service.get(session, code)
    return await read_history(session, aggregate_type=service.AGGREGATE, aggregate_id=code, cursor=cursor,
                              limit=limit)
