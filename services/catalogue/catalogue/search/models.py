"""Search: the query a buyer sends, and the page it gets back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from catalogue.offering.models import OfferingPublic

Sort = Literal["relevance", "name", "updated", "created"]
Match = Literal["hybrid", "keyword"]
FACETS = ("category", "engagement_type", "data_residency", "certification", "risk_tier", "te_reo_maori_support",
          "supplier_size", "maori_business", "price_range")
# The price ranges counted, in NZD: "low-high", the last open above. An offering counts in every range its
# own price range reaches into, as the price_min/price_max filter matches it.
PRICE_RANGES = ((0, 10_000), (10_000, 50_000), (50_000, 250_000), (250_000, None))


def price_range_value(low: float, high: float | None) -> str:
    return f"{low:g}-{'' if high is None else f'{high:g}'}"


@dataclass
class SearchQuery:
    """A checked search: every value known, categories expanded to include those below them."""

    terms: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    engagement_types: list[str] = field(default_factory=list)
    residencies: list[str] = field(default_factory=list)
    te_reo_maori_support: bool | None = None
    certifications: list[str] = field(default_factory=list)
    risk_tiers: list[str] = field(default_factory=list)
    price_min: float | None = None
    price_max: float | None = None
    supplier_sizes: list[str] = field(default_factory=list)
    maori_business: bool | None = None
    status: str | None = None
    supplier_id: str | None = None
    # Hybrid ranking: the offerings alike in meaning, as a JSON object {offering id: similarity}
    # (catalogue.search.semantic); None ranks by the words alone.
    semantic: str | None = None
    # Who is asking: assessors and admins see every state; others published offerings and, for a
    # supplier, its own in any state.
    everything: bool = False
    own_supplier_id: str | None = None
    today: date = field(default_factory=date.today)


class FacetValue(BaseModel):
    value: str
    count: int


class Facets(BaseModel):
    """How many offerings of the result hold each value (categories as tagged, certifications held and
    in date today)."""

    category: list[FacetValue]
    engagement_type: list[FacetValue]
    data_residency: list[FacetValue]
    certification: list[FacetValue]
    risk_tier: list[FacetValue]
    te_reo_maori_support: list[FacetValue] = Field(description='"true" or "false"')
    supplier_size: list[FacetValue]
    maori_business: list[FacetValue] = Field(description='"true" or "false": whether the supplier is a Māori business')
    price_range: list[FacetValue] = Field(
        description='NZD ranges as "low-high" (the last "250000-", open above), in that order; an offering counts in '
                    'each range its price range reaches into, the ranges the price_min and price_max filters take')


class SearchPage(BaseModel):
    """One page of results; `total` and `facets` cover the whole result, not just this page."""

    data: list[OfferingPublic]
    next_cursor: str | None = None
    total: int | None = Field(default=None, description="Offerings in the whole result (null when facets=false)")
    facets: Facets | None = None


class ComparedField(BaseModel):
    """One line of a comparison: a field's value for each offering, in the order asked for."""

    field: str
    values: list[Any]
    same: bool = Field(default=False, description="Whether every offering has the same value")


class Comparison(BaseModel):
    """Offerings side by side: each in full, and the fields a buyer weighs lined up."""

    offerings: list[OfferingPublic]
    fields: list[ComparedField]
