"""The AI Hub registry: entries, one entry, agencies' use cases, and insights with charts."""

from __future__ import annotations

import asyncio
from datetime import date

from fastapi import APIRouter, Request

from web.api import api_for
from web.labels import label
from web.offerings import service as offerings
from web.pages import render
from web.registry.charts import Bar, bar_chart

router = APIRouter(prefix="/registry")
PHASES = ("idea", "design", "development", "pilot", "production", "retired")
ENTRY_TYPES = ("offering", "accreditation", "course", "strategic_partnership", "use_case")
ENTRY_FILTERS = ("type", "category", "agency", "text", "sort", "cursor")
ENTRY_SORTS = ("name", "newest")
USE_CASE_FILTERS = ("agency", "phase", "cursor")


def month_name(month: str) -> str:
    """`2026-12` as `December 2026`."""
    try:
        return f"{date.fromisoformat(month + '-01'):%B %Y}"
    except ValueError:
        return month


def _phases(counts: dict[str, int]) -> list[tuple[str, int]]:
    """In the order a use case moves through them, not alphabetical."""
    return sorted(counts.items(), key=lambda item: PHASES.index(item[0]) if item[0] in PHASES else len(PHASES))


def _chosen(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    return {k: v.strip() for k, v in request.query_params.items() if k in names and v.strip()}


@router.get("")
async def entries_page(request: Request):
    chosen = _chosen(request, ENTRY_FILTERS)
    page = await api_for(request).get("/api/v1/registry/entries", {**chosen, "limit": "20"})
    return render(request, "registry.html", title="AI Hub registry", entries=page["data"],
                  next_cursor=page.get("next_cursor"), chosen=chosen, types=ENTRY_TYPES, sorts=ENTRY_SORTS)


@router.get("/insights")
async def insights_page(request: Request):
    api = api_for(request)
    insights, names = await asyncio.gather(api.get("/api/v1/registry/insights"), offerings.category_names(api))
    months = {month_name(m["month"]): m["added"] for m in insights.get("over_time", [])}
    # Training courses count under their training area, which is no catalogue category.
    category = {names[k]["name"] if k in names else label(k): v for k, v in insights["by_category"].items()}
    charts = [
        ("by-type", "Entries by type", {label(k): v for k, v in insights["by_type"].items()}),
        ("by-category", "Entries by category", category),
        ("by-month", "Entries first listed, by month", months),
        ("by-phase", "Use cases by phase", {label(k): v for k, v in _phases(insights["by_phase"])}),
        # The registry counts risk over every listed entry that has one: solutions and use cases alike.
        ("by-risk", "Entries by risk level", {label(k): v for k, v in insights["by_risk_level"].items()}),
    ]
    drawn = [(cid, title, counts, bar_chart(cid, title, [Bar(k, v) for k, v in counts.items()]))
             for cid, title, counts in charts]
    return render(request, "insights.html", title="AI Hub registry insights", total=insights["total"], charts=drawn)


@router.get("/use-cases")
async def use_cases_page(request: Request):
    chosen = _chosen(request, USE_CASE_FILTERS)
    page = await api_for(request).get("/api/v1/registry/use-cases", {**chosen, "limit": "20"})
    return render(request, "use_cases.html", title="Agencies' AI use cases", use_cases=page["data"], chosen=chosen,
                  next_cursor=page.get("next_cursor"))


@router.get("/use-cases/{use_case_id}")
async def use_case_page(request: Request, use_case_id: str):
    use_case = await api_for(request).get(f"/api/v1/registry/use-cases/{use_case_id}")
    return render(request, "use_case.html", title=use_case["name"], use_case=use_case)


@router.get("/entries/{entry_id:path}")
async def entry_page(request: Request, entry_id: str):
    entry = await api_for(request).get(f"/api/v1/registry/entries/{entry_id}")
    return render(request, "entry.html", title=entry["name"], entry=entry)
