"""Whether a supplier may sell in categories, from the catalogue's own projections.

A supplier may sell in a category when the catalogue knows it as active and an agreement in
force covers the category: its status is `active` and today lies between its start and end
dates (an agreement past its end date stops counting before its `expired` event arrives). An
agreement's scope covers the categories it names and every category below them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.category import repository as categories
from catalogue.supplier import repository
from catalogue.supplier.models import AgreementProjection


def in_force(agreement: AgreementProjection, today: date) -> bool:
    """Whether the agreement counts today."""
    return agreement.status == "active" and agreement.start_date <= today <= agreement.end_date


async def sellable_categories(session: AsyncSession, supplier_id: str, today: date) -> list[str]:
    """Category codes named by the supplier's agreements in force today (empty unless it is active)."""
    supplier = await repository.get_supplier(session, supplier_id)
    if supplier is None or supplier.status != "active":
        return []
    agreements = await repository.agreements_of(session, supplier_id)
    return sorted({code for agreement in agreements if in_force(agreement, today) for code in agreement.scope})


async def _lineage(session: AsyncSession, code: str) -> list[str]:
    """The code and the codes of its ancestors in the taxonomy, nearest first."""
    lineage, seen = [code], {code}
    category = await categories.get(session, code)
    while category is not None and category.parent and category.parent not in seen:
        lineage.append(category.parent)
        seen.add(category.parent)
        category = await categories.get(session, category.parent)
    return lineage


async def check(session: AsyncSession, supplier_id: str, category_codes: list[str], today: date) -> list[str]:
    """What stops the supplier selling in these categories today; an empty list means it may."""
    supplier = await repository.get_supplier(session, supplier_id)
    if supplier is None:
        return [f"supplier {supplier_id} is not known to the catalogue"]
    missing = []
    if supplier.status != "active":
        missing.append(f"supplier {supplier_id} is {supplier.status}, not active")
    agreements = await repository.agreements_of(session, supplier_id)
    scope = {code for agreement in agreements if in_force(agreement, today) for code in agreement.scope}
    for code in dict.fromkeys(category_codes):
        if scope.isdisjoint(await _lineage(session, code)):
            missing.append(f"no active agreement covers the category {code}")
    return missing
