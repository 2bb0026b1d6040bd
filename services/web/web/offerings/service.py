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
# The pages' own: filters the question box read from the words that the person removed (by kind).
IGNORE = "ignore"
# Words from which the question box reads filters: fewer are searched as they are.
SENTENCE_WORDS = 3
# Filter kinds of the question box -> the search parameter each one sets (price sets two).
UNDERSTOOD_PARAMS = {"category": "category", "data_residency": "data_residency", "risk_tier": "risk_tier",
                     "certification": "certification", "engagement_type": "engagement_type",
                     "supplier_size": "supplier_size", "te_reo_maori_support": "te_reo_maori_support",
                     "maori_business": "maori_business"}
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
            if value and (key in MULTI or key in YES_NO or key in SINGLE or key == IGNORE):
                values.setdefault(key, []).append(value)
        return cls(values)

    def first(self, key: str) -> str:
        return (self.values.get(key) or [""])[0]

    def chosen(self, key: str) -> list[str]:
        return self.values.get(key, [])

    def params(self) -> list[tuple[str, str]]:
        """For links: each value once, single-valued parameters once."""
        out: list[tuple[str, str]] = []
        for key, values in self.values.items():
            out += [(key, v) for v in (values if key in MULTI or key == IGNORE else values[:1])]
        return out

    def api_params(self) -> list[tuple[str, str]]:
        """For the search API: the links' parameters less the pages' own."""
        return [(k, v) for k, v in self.params() if k != IGNORE]

    def without_paging(self) -> list[tuple[str, str]]:
        return [(k, v) for k, v in self.params() if k != "cursor"]

    @property
    def narrowed(self) -> bool:
        """Whether any filter besides the words is on (a "no results" page suggests removing them)."""
        return any(k not in ("q", "sort", "cursor", IGNORE) for k in self.values)

    def ignoring(self, kind: str) -> list[tuple[str, str]]:
        """The link's parameters with one more understood filter set aside (from the first page)."""
        return [(k, v) for k, v in self.params() if k != "cursor"] + [(IGNORE, kind)]


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


async def search(api: Api, filters: Filters, limit: int) -> tuple[dict, dict[str, dict[str, Any]], dict | None]:
    """One page of results with facets, the category names to show them by, and what the question box read
    from the words when they were a sentence (None otherwise): its filters then narrow the search too, and
    only the words no filter took are searched."""
    reading, names = await asyncio.gather(read_sentence(api, filters), category_names(api))
    params = filters.api_params()
    if reading is not None:
        params = [(k, v) for k, v in params if k != "q"] + understood_params(reading)
    page = await api.get("/api/v1/offerings", [*params, ("limit", str(limit))])
    return page, names, reading


async def read_sentence(api: Api, filters: Filters) -> dict | None:
    """The question box's reading of the words (its filters, the words left), when they are a sentence it
    read a filter from; None for a few words, or when the question box cannot answer (the words are then
    searched as they are)."""
    words = filters.first("q")
    if len(words.split()) < SENTENCE_WORDS:
        return None
    try:
        answer = await api.get("/api/v1/assistant/search", [("q", words), ("limit", "1"),
                                                             *((IGNORE, kind) for kind in filters.chosen(IGNORE))])
    except ApiError as error:
        if error.status in (400, 422) or error.status >= 500:
            return None
        raise
    return answer if answer["filters"] else None


def understood_params(reading: dict) -> list[tuple[str, str]]:
    """The search parameters of the filters read from a sentence, and the words no filter took."""
    params: list[tuple[str, str]] = [("q", " ".join(reading["words"]))] if reading["words"] else []
    for understood in reading["filters"]:
        kind, value = understood["kind"], understood["value"]
        if kind == "price":
            params += [(name, f"{value[bound]:g}") for name, bound in (("price_min", "min"), ("price_max", "max"))
                       if value.get(bound) is not None]
        elif kind in UNDERSTOOD_PARAMS:
            values = value if isinstance(value, list) else [value]
            params += [(UNDERSTOOD_PARAMS[kind], str(v).lower() if isinstance(v, bool) else str(v)) for v in values]
    return params


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
