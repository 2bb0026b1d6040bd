"""The home page: a search box, categories with counts, training areas, and what is new in the registry."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request

from web.api import api_for
from web.offerings import service as offerings
from web.pages import render
from web.training.service import CHOICES

router = APIRouter()


@router.get("/")
async def home_page(request: Request):
    api = api_for(request)
    results, names, insights = await asyncio.gather(
        api.get("/api/v1/offerings", {"limit": "1"}), offerings.category_names(api),
        api.get("/api/v1/registry/insights"))
    counts = {f["value"]: f["count"] for f in (results.get("facets") or {}).get("category", [])}
    categories = [(code, c["name"], counts.get(code, 0)) for code, c in names.items()
                  if c["axis"] == "solution" and c["depth"] == 0]
    recent = (await api.get("/api/v1/registry/entries", {"sort": "newest", "limit": "5"}))["data"]
    return render(request, "home.html", title="Find AI for the public service", categories=categories,
                  total=results.get("total"), areas=CHOICES["training_area"], recent=recent,
                  registry_total=insights["total"])
