"""Read access to the catalogue's supplier and agreement projections, for operators checking eligibility."""

from __future__ import annotations

from fastapi import APIRouter

from catalogue.supplier import repository, service
from catalogue.supplier.models import AgreementEligibility, SupplierEligibility, SupplierEligibilityDetail
from servicekit.api import ClockDep, require_roles
from servicekit.db import SessionDep
from servicekit.pagination import CursorQuery, LimitQuery, Page
from servicekit.problems import not_found

router = APIRouter(prefix="/api/v1/eligibility", tags=["eligibility"],
                   dependencies=[require_roles("admin", "assessor")])


@router.get("/suppliers", response_model=Page[SupplierEligibility])
async def list_supplier_eligibility(session: SessionDep, cursor: CursorQuery = None, limit: LimitQuery = 50):
    """Suppliers as the catalogue knows them, by id."""
    rows, next_cursor = await repository.list_suppliers(session, cursor=cursor, limit=limit)
    return Page[SupplierEligibility](data=[SupplierEligibility.model_validate(r, from_attributes=True) for r in rows],
                                     next_cursor=next_cursor)


@router.get("/suppliers/{supplier_id}", response_model=SupplierEligibilityDetail)
async def get_supplier_eligibility(supplier_id: str, session: SessionDep, clock: ClockDep):
    """One supplier as the catalogue knows it, with its agreements and the categories it may sell in today."""
    supplier = await repository.get_supplier(session, supplier_id)
    if supplier is None:
        raise not_found("supplier", supplier_id)
    today = clock.now().date()
    agreements = [AgreementEligibility.model_validate({**a.model_dump(), "in_force": service.in_force(a, today)})
                  for a in await repository.agreements_of(session, supplier_id)]
    return SupplierEligibilityDetail(**SupplierEligibility.model_validate(supplier, from_attributes=True).model_dump(),
                                     agreements=agreements,
                                     categories=await service.sellable_categories(session, supplier_id, today))
