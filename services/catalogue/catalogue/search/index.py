"""Keeps the columns search filters by in step with an offering's nested parts (the database's triggers
copy them, with the assurance records, into what search reads). Called on every write that can change
them (create and update)."""

from __future__ import annotations

from catalogue.offering.models import Offering

CATEGORY_COLUMNS = ("category_1", "category_2", "category_3")


def filter_columns(offering: Offering) -> None:
    """The offering's flat filter columns, from its nested parts."""
    offering.residency_region = offering.data_residency["region"]
    offering.price_min_nzd = offering.pricing["min_nzd"]
    offering.price_max_nzd = offering.pricing["max_nzd"]
    codes = list(offering.categories)[:len(CATEGORY_COLUMNS)]
    for column, code in zip(CATEGORY_COLUMNS, codes + [None] * (len(CATEGORY_COLUMNS) - len(codes))):
        setattr(offering, column, code)
