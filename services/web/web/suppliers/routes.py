"""A supplier's public profile: who they are, what they sell, the accreditations they hold."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request

from web.api import ApiError, api_for
from web.offerings import service as offerings
from web.pages import render

router = APIRouter(prefix="/suppliers")


@router.get("/{supplier_id}")
async def supplier_page(request: Request, supplier_id: str):
    """Anyone sees the same page: the suppliers API's public profile, the accreditations and offerings."""
    api = api_for(request)
    supplier, accreditations, published = await asyncio.gather(
        offerings.supplier_of(api, supplier_id), offerings.accreditations_of(api, supplier_id),
        api.get("/api/v1/offerings", {"supplier_id": supplier_id, "limit": "50", "facets": "false"}))
    if supplier is None:
        raise ApiError(404, "Supplier not found", "No supplier in force has this address.")
    name = supplier["trading_name"] or supplier["legal_name"]
    return render(request, "supplier.html", title=name, name=name, supplier=supplier, accreditations=accreditations,
                  offerings=published["data"])
