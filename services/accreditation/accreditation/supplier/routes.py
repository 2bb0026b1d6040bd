"""Read access to the supplier projection, for operators checking why an application is refused."""

from __future__ import annotations

from fastapi import APIRouter

from accreditation.supplier import repository
from accreditation.supplier.models import SupplierKnown
from servicekit.api import require_roles
from servicekit.db import SessionDep
from servicekit.problems import not_found

router = APIRouter(prefix="/api/v1/accreditation/suppliers", tags=["accreditation applications"],
                   dependencies=[require_roles("admin", "assessor")])


@router.get("/{supplier_id}", response_model=SupplierKnown)
async def get_known_supplier(supplier_id: str, session: SessionDep):
    """One supplier as the accreditation service knows it from the supplier events."""
    supplier = await repository.get(session, supplier_id)
    if supplier is None:
        raise not_found("supplier", supplier_id)
    return SupplierKnown.model_validate(supplier, from_attributes=True)
