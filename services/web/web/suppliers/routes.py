"""A supplier's public profile: who they are, what they sell, the accreditations they hold."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request

from web.api import api_for
from web.offerings import service as offerings
from web.pages import render

router = APIRouter(prefix="/suppliers")


@router.get("/{supplier_id}")
async def supplier_page(request: Request, supplier_id: str):
    """The suppliers API answers signed-in callers only, so the public sees the name the registry holds."""
    api = api_for(request)
    supplier, accreditations, published, listed = await asyncio.gather(
        offerings.supplier_of(api, supplier_id), offerings.accreditations_of(api, supplier_id),
        api.get("/api/v1/offerings", {"supplier_id": supplier_id, "limit": "50", "facets": "false"}),
        api.get("/api/v1/registry/entries", {"supplier_id": supplier_id, "limit": "1"}))
    name = (supplier or {}).get("trading_name") or (supplier or {}).get("legal_name") or next(
        (e["supplier_name"] for e in listed["data"] if e.get("supplier_name")), "Supplier")
    return render(request, "supplier.html", title=name, name=name, supplier=supplier, accreditations=accreditations,
                  offerings=published["data"])
