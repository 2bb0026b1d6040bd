"""Offering search as a form: the API's filters, their counts, and the parameters passed through unchanged."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from web.api import Api, ApiError

# Filters of GET /api/v1/offerings a person can choose several values of (checkbox groups).
MULTI = ("category", "engagement_type", "data_residency", "certification", "risk_tier", "supplier_size")
# Yes/no filters (a select of any, yes, no) and the rest, passed on as typed.
YES_NO = ("te_reo_maori_support", "maori_business")
SINGLE = ("q", "price_min", "price_max", "sort", "cursor")
SORTS = ("relevance", "name", "updated", "created")
SUPPLIER_SIZES = ("micro", "small", "medium", "large")
# The offering's states after which it has left the marketplace: its page answers 410.
LEFT = ("withdrawn", "retired")
IN_FORCE = ("active", "renewal_due")


@dataclass
class Filters:
    """What the search form asked for, cleaned: only the API's parameters, blanks dropped."""

    values: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_query(cls, items: list[tuple[str, str]]) -> Filters:
        values: dict[str, list[str]] = {}
        for key, value in items:
            value = value.strip()
            if value and (key in MULTI or key in YES_NO or key in SINGLE):
                values.setdefault(key, []).append(value)
        return cls(values)

    def first(self, key: str) -> str:
        return (self.values.get(key) or [""])[0]

    def chosen(self, key: str) -> list[str]:
        return self.values.get(key, [])

    def params(self) -> list[tuple[str, str]]:
        """For the API and for links: each value once, single-valued parameters once."""
        out: list[tuple[str, str]] = []
        for key, values in self.values.items():
            out += [(key, v) for v in (values if key in MULTI else values[:1])]
        return out

    def without_paging(self) -> list[tuple[str, str]]:
        return [(k, v) for k, v in self.params() if k != "cursor"]

    @property
    def narrowed(self) -> bool:
        """Whether any filter besides the words is on (a "no results" page suggests removing them)."""
        return any(k not in ("q", "sort", "cursor") for k in self.values)


async def category_names(api: Api) -> dict[str, dict[str, Any]]:
    """Every category by code, with its name and axis (`solution` categories, `engagement` types)."""
    tree = await api.get("/api/v1/categories")
    found: dict[str, dict[str, Any]] = {}

    def walk(nodes: list[dict], depth: int) -> None:
        for node in nodes:
            found[node["code"]] = {"name": node["name"], "axis": node["axis"], "depth": depth,
                                   "parent": node.get("parent")}
            walk(node.get("children") or [], depth + 1)

    walk(tree["data"], 0)
    return found


async def search(api: Api, filters: Filters, limit: int) -> tuple[dict, dict[str, dict[str, Any]]]:
    """One page of results with facets, and the category names to show them by."""
    page, names = await asyncio.gather(api.get("/api/v1/offerings", [*filters.params(), ("limit", str(limit))]),
                                       category_names(api))
    return page, names


async def offering(api: Api, offering_id: str) -> dict:
    return await api.get(f"/api/v1/offerings/{offering_id}")


async def supplier_of(api: Api, supplier_id: str) -> dict | None:
    """The supplier's public profile, the same for everyone; None when it is not in force (its offerings
    are then suspended or gone, and their pages say so)."""
    try:
        return await api.get(f"/api/v1/suppliers/{supplier_id}/profile")
    except ApiError as error:
        if error.status == 404:
            return None
        raise


async def accreditations_of(api: Api, supplier_id: str) -> list[dict]:
    """Accreditations in force (public)."""
    page = await api.get("/api/v1/accreditations", {"supplier_id": supplier_id})
    return [a for a in page["data"] if a["status"] in IN_FORCE]


async def compare(api: Api, ids: list[str]) -> dict:
    return await api.get("/api/v1/offerings/compare", {"ids": ",".join(ids)})
