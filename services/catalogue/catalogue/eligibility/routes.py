"""Read access to the catalogue's supplier projection, for operators checking eligibility."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from servicekit.api import require_roles
from servicekit.db import SessionDep
from servicekit.pagination import CursorQuery, LimitQuery, Page, paginate
from servicekit.problems import not_found
from catalogue.eligibility.models import SupplierEligibility, SupplierProjection

router = APIRouter(prefix="/api/v1/eligibility", tags=["eligibility"],
                   dependencies=[require_roles("admin", "assessor")])


@router.get("/suppliers", response_model=Page[SupplierEligibility])
async def list_supplier_eligibility(session: SessionDep, cursor: CursorQuery = None, limit: LimitQuery = 50):
    """Suppliers as the catalogue knows them, by id."""
    rows, next_cursor = await paginate(session, select(SupplierProjection), order=[SupplierProjection.id],
                                       cursor=cursor, limit=limit)
    return Page[SupplierEligibility](data=[SupplierEligibility.model_validate(r, from_attributes=True) for r in rows],
                                     next_cursor=next_cursor)


@router.get("/suppliers/{supplier_id}", response_model=SupplierEligibility)
async def get_supplier_eligibility(supplier_id: str, session: SessionDep):
    """One supplier as the catalogue knows it."""
    row = await session.get(SupplierProjection, supplier_id)
    if row is None:
        raise not_found("supplier", supplier_id)
    return row
