"""Offering pages: search results with filters, one offering, and a comparison."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Request

from web.api import ApiError, api_for
from web.offerings import service
from web.pages import render
from web.session import person_of

router = APIRouter()


@router.get("/offerings")
async def search_page(request: Request, page: Annotated[int, Query(ge=1, le=10_000)] = 1):
    """Results for the words and filters in the address: a plain GET form, so every page is a link."""
    api = api_for(request)
    filters = service.Filters.from_query(list(request.query_params.multi_items()))
    errors: list[tuple[str, str]] = []
    reading = None
    try:
        results, names, reading = await service.search(api, filters, request.app.state.settings.page_size)
    except ApiError as error:
        if error.status not in (400, 422):
            raise
        # The form stays, with the API's complaint tied to the field it names.
        errors = error.errors or [("q", error.detail or "Check the search")]
        results, names = {"data": [], "total": 0, "facets": None, "next_cursor": None}, await service.category_names(api)
    return render(request, "search.html", status_code=422 if errors else 200, title="Find AI solutions",
                  results=results, names=names, filters=filters, errors=errors, page=page, sorts=service.SORTS,
                  reading=reading,
                  supplier_sizes=service.SUPPLIER_SIZES)


@router.get("/offerings/compare")
async def compare_page(request: Request, ids: Annotated[list[str], Query(max_length=10)] = []):
    """2 to 5 offerings side by side, the fields where they differ marked."""
    chosen = list(dict.fromkeys(i for i in ids if i))
    if not 2 <= len(chosen) <= 5:
        return render(request, "compare.html", status_code=422, title="Compare offerings", comparison=None,
                      errors=[("compare", "Select between 2 and 5 offerings to compare")])
    comparison = await service.compare(api_for(request), chosen)
    return render(request, "compare.html", title="Compare offerings", comparison=comparison, errors=[])


@router.get("/offerings/{offering_id}")
async def offering_page(request: Request, offering_id: str):
    """Everything a buyer weighs about one offering; 410 once it has left the marketplace."""
    api = api_for(request)
    offering = await service.offering(api, offering_id)
    supplier, accreditations, names, shortlists = await asyncio.gather(
        service.supplier_of(api, offering["supplier_id"]), service.accreditations_of(api, offering["supplier_id"]),
        service.category_names(api), _shortlists(request, api))
    status = 410 if offering["status"] in service.LEFT else 200
    return render(request, "offering.html", status_code=status, title=offering["name"], offering=offering,
                  supplier=supplier, accreditations=accreditations, names=names, shortlists=shortlists)


async def _shortlists(request: Request, api) -> list[dict]:
    person = person_of(request)
    if not person or not person.has_role("buyer"):
        return []
    return (await api.get("/api/v1/shortlists"))["data"]
