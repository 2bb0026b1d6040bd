"""HTTP routes of buyer search and comparison (`GET /api/v1/offerings`, `/compare`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from catalogue.search import service
from catalogue.search.models import Comparison, Match, SearchPage, SearchQuery, Sort
from catalogue.search.text import terms_of
from events.catalogue import AssuranceStandard, OfferingStatus, ResidencyRegion, RiskTier
from servicekit.api import ClockDep, IdentityDep
from servicekit.db import SessionDep
from servicekit.pagination import CursorQuery, LimitQuery
from servicekit.problems import validation_problem

router = APIRouter(prefix="/api/v1/offerings", tags=["offerings"])
SupplierSize = Annotated[str, Query(pattern="^(micro|small|medium|large)$")]
Code = Annotated[str, Query(max_length=80)]
Price = Annotated[float | None, Query(ge=0, le=1_000_000_000, allow_inf_nan=False)]
PARAMETERS = {"q", "category", "engagement_type", "data_residency", "te_reo_maori_support", "certification",
              "risk_tier", "price_min", "price_max", "supplier_size", "maori_business", "status", "supplier_id",
              "sort", "cursor", "limit", "facets", "match"}


def _refuse_unknown_parameters(request: Request) -> None:
    unknown = sorted(set(request.query_params) - PARAMETERS)
    if unknown:
        raise validation_problem([{"field": f"query:{name}", "message": "is not a parameter of this search"}
                                  for name in unknown])


@router.get("", response_model=SearchPage, responses={
    400: {"description": "the cursor is not one this search gave out, or belongs to another sort"},
    422: {"description": "an unknown parameter or filter value"}})
async def search_offerings(
        request: Request, session: SessionDep, identity: IdentityDep, clock: ClockDep,
        q: Annotated[str | None, Query(min_length=1, max_length=200, description="Words in name, summary or description")] = None,
        category: Annotated[list[Code], Query(max_length=20, description="Solution category (and those below it)")] = [],
        engagement_type: Annotated[list[Code], Query(max_length=20)] = [],
        data_residency: Annotated[list[ResidencyRegion], Query(max_length=3)] = [],
        te_reo_maori_support: bool | None = None,
        certification: Annotated[list[AssuranceStandard], Query(max_length=10,
                                 description="Held: active, and not past its expiry date today")] = [],
        risk_tier: Annotated[list[RiskTier], Query(max_length=3)] = [],
        price_min: Price = None, price_max: Price = None,
        supplier_size: Annotated[list[SupplierSize], Query(max_length=4)] = [],
        maori_business: bool | None = None,
        status: OfferingStatus | None = None,
        supplier_id: Annotated[str | None, Query(max_length=36)] = None,
        sort: Sort | None = None,
        match: Annotated[Match | None, Query(description="How q matches: `hybrid` (the default) by words and by "
                                                         "meaning, `keyword` by words alone")] = None,
        cursor: CursorQuery = None, limit: LimitQuery = 20,
        facets: Annotated[bool, Query(description="Count facets and the total of the whole result")] = True):
    """Search offerings: words in `q`; filters combine with AND, repeated values of one filter with OR.
    Sort by `relevance` (the default with q), `name`, `updated` (last change first) or `created`
    (newest first, the default without q). Buyers and anonymous callers see published offerings; a
    supplier also its own in any state; assessors and admins every state (narrow with `status`).
    Facets count the values in the whole filtered result. With q, offerings match by their words and by
    meaning (`match=hybrid`, the default): exact words rank first, misspelt words are corrected against
    the catalogue's own; `match=keyword` matches the words alone."""
    _refuse_unknown_parameters(request)
    query = SearchQuery(terms=terms_of(q) if q else [], categories=category, engagement_types=engagement_type,
                        residencies=data_residency, te_reo_maori_support=te_reo_maori_support,
                        certifications=certification, risk_tiers=risk_tier, price_min=price_min,
                        price_max=price_max, supplier_sizes=supplier_size, maori_business=maori_business,
                        status=status, supplier_id=supplier_id, today=clock.now().date())
    query = await service.check_codes(session, service.visibility(query, identity), q, match)
    if q and service.ranks_by_meaning(match, request.app.state.settings):
        query = await service.with_meaning(session, query, q, request.app.state.vector_index,
                                           request.app.state.query_embedder)
    return await service.search(session, query, sort=service.choose_sort(sort, query), cursor=cursor, limit=limit,
                                with_facets=facets, facet_cache=request.app.state.facet_cache,
                                now=clock.now().timestamp())


@router.get("/compare", response_model=Comparison, responses={
    404: {"description": "an offering does not exist or is not visible to the caller"},
    422: {"description": "fewer than 2 or more than 5 ids, or an id repeated"}})
async def compare_offerings(session: SessionDep, identity: IdentityDep, clock: ClockDep,
                            ids: Annotated[str, Query(max_length=400, description="2 to 5 offering ids, comma separated")]):
    """Offerings side by side: each in full, and the fields a buyer weighs lined up with `same` marking
    the ones where they agree."""
    return await service.compare(session, service.parse_ids(ids), identity, clock.now().date())
