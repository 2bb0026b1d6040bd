"""HTTP routes of suppliers: thin, they parse, call the service and shape the answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from events.suppliers import SupplierSize
from servicekit.api import ClockDep, IdentityDep, require_roles
from servicekit.concurrency import set_etag
from servicekit.db import SessionDep
from servicekit.history import HistoryEntry, read_history
from servicekit.idempotency import IdempotencyDep
from servicekit.pagination import CursorQuery, LimitQuery, Page
from servicekit.problems import not_found
from suppliers.supplier import repository, service
from suppliers.supplier.models import SupplierCreate, SupplierPublic, SupplierStatusFilter

router = APIRouter(prefix="/api/v1/suppliers", tags=["suppliers"])
Staff = require_roles("admin", "assessor", "buyer", "partner", "supplier")


@router.post("", status_code=201, response_model=SupplierPublic,
             responses={409: {"description": "NZBN already registered"}})
async def register_supplier(supplier_in: SupplierCreate, session: SessionDep, identity: IdentityDep,
                            clock: ClockDep, idempotency: IdempotencyDep, request: Request) -> Response:
    """Register a supplier organisation (no token needed); it starts pending verification."""
    if replay := await idempotency.replay():
        return replay
    supplier = await service.register(session, supplier_in=supplier_in, actor=identity, now=clock.now())
    await session.flush()
    body = SupplierPublic.model_validate(supplier, from_attributes=True)
    return idempotency.respond(201, body, headers={"Location": f"{request.url.path}/{supplier.id}",
                                                   "ETag": f'"{supplier.version}"'})


@router.get("", response_model=Page[SupplierPublic], dependencies=[Staff])
async def list_suppliers(session: SessionDep, cursor: CursorQuery = None, limit: LimitQuery = 50,
                         status: SupplierStatusFilter | None = None, size: SupplierSize | None = None,
                         maori_business: bool | None = None, pasifika_business: bool | None = None,
                         q: Annotated[str | None, Query(max_length=100, description="Text in the names")] = None):
    """Suppliers, filtered, by legal name."""
    rows, next_cursor = await repository.list_page(session, status=status, size=size, maori_business=maori_business,
                                                   pasifika_business=pasifika_business, text=q, cursor=cursor,
                                                   limit=limit)
    return Page[SupplierPublic](data=[SupplierPublic.model_validate(r, from_attributes=True) for r in rows],
                                next_cursor=next_cursor)


@router.get("/{supplier_id}", response_model=SupplierPublic, dependencies=[Staff])
async def get_supplier(supplier_id: str, session: SessionDep, response: Response):
    """One supplier, with its ETag."""
    supplier = await repository.get(session, supplier_id)
    if supplier is None:
        raise not_found("supplier", supplier_id)
    set_etag(response, supplier.version)
    return supplier


@router.get("/{supplier_id}/history", response_model=Page[HistoryEntry], dependencies=[Staff])
async def supplier_history(supplier_id: str, session: SessionDep, cursor: CursorQuery = None, limit: LimitQuery = 50):
    """Every change of the supplier, oldest first."""
    if await repository.get(session, supplier_id) is None:
        raise not_found("supplier", supplier_id)
    return await read_history(session, aggregate_type=service.AGGREGATE, aggregate_id=supplier_id,
                              cursor=cursor, limit=limit)
