"""The search queries: one page of matching offerings in a stable order, and the facet counts of the
whole result in one grouped query over the matched ids."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import String, and_, distinct, func, literal_column, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.elements import UnaryExpression

from catalogue.eligibility.models import SupplierProjection
from catalogue.offering.models import Offering
from catalogue.search import text
from catalogue.search.models import OfferingAssurance, OfferingCategory, SearchQuery
from servicekit.pagination import keyset_after


def held(today: date) -> ColumnElement[bool]:
    """An assurance record that counts today: active, issued, and not past its expiry date."""
    return and_(OfferingAssurance.status == "active", OfferingAssurance.issued_on <= today,
                OfferingAssurance.expires_on >= today)


def _visibility(query: SearchQuery) -> list[ColumnElement[bool]]:
    if query.everything:
        return []
    visible = Offering.status == "published"
    if query.own_supplier_id:
        visible = or_(visible, Offering.supplier_id == query.own_supplier_id)
    return [visible]


def _supplier_facts(query: SearchQuery) -> list[ColumnElement[bool]]:
    """Filters on what the catalogue's projection knows of the supplier."""
    facts = []
    if query.supplier_sizes:
        facts.append(SupplierProjection.size.in_(query.supplier_sizes))
    if query.maori_business is not None:
        facts.append(SupplierProjection.maori_business == query.maori_business)
    return [Offering.supplier_id.in_(select(SupplierProjection.id).where(*facts))] if facts else []


def conditions(query: SearchQuery, search: text.TextSearch) -> list[ColumnElement[bool]]:
    """Every condition of the query, visibility included."""
    where = _visibility(query) + _supplier_facts(query)
    if query.status:
        where.append(Offering.status == query.status)
    if query.supplier_id:
        where.append(Offering.supplier_id == query.supplier_id)
    if query.terms:
        where.append(search.matches(query.terms))
    if query.categories:
        where.append(Offering.id.in_(select(OfferingCategory.offering_id)
                                     .where(OfferingCategory.category_code.in_(query.categories))))
    if query.certifications:
        where.append(Offering.id.in_(select(OfferingAssurance.offering_id)
                                     .where(OfferingAssurance.standard.in_(query.certifications), held(query.today))))
    if query.engagement_types:
        where.append(Offering.engagement_type.in_(query.engagement_types))
    if query.residencies:
        where.append(Offering.residency_region.in_(query.residencies))
    if query.te_reo_maori_support is not None:
        where.append(Offering.te_reo_maori_support == query.te_reo_maori_support)
    if query.risk_tiers:
        where.append(Offering.risk_tier.in_(query.risk_tiers))
    # Price ranges overlap: the offering's range reaches into the one asked for.
    if query.price_min is not None:
        where.append(Offering.price_max_nzd >= query.price_min)
    if query.price_max is not None:
        where.append(Offering.price_min_nzd <= query.price_max)
    return where


def ordering(sort: str, query: SearchQuery, search: text.TextSearch) -> list:
    """The ORDER BY terms of a sort; the last is unique, so the order is total and a cursor exact."""
    if sort == "relevance":
        return [search.relevance(query.terms).desc(), Offering.name, Offering.id]
    if sort == "name":
        return [Offering.name, Offering.id]
    if sort == "updated":
        return [Offering.updated_at.desc(), Offering.id.desc()]
    return [Offering.created_at.desc(), Offering.id.desc()]


async def page(session: AsyncSession, query: SearchQuery, *, sort: str, after: list[Any] | None,
               limit: int) -> tuple[list[Offering], list[Any] | None]:
    """Offerings of the result after the sort values `after`, and the sort values of the last one when
    more follow."""
    search = text.for_session(session)
    order = ordering(sort, query, search)
    score = order[0].element if sort == "relevance" else None
    statement = select(Offering, score) if score is not None else select(Offering)
    statement = statement.where(*conditions(query, search))
    if after:
        statement = statement.where(keyset_after(order, after))
    rows = (await session.execute(statement.order_by(*order).limit(limit + 1))).all()
    more = len(rows) > limit
    rows = rows[:limit]
    offerings = [row[0] for row in rows]
    if not more:
        return offerings, None
    last = rows[-1]
    if score is not None:
        return offerings, [last[1], last[0].name, last[0].id]
    return offerings, [getattr(last[0], (term.element if isinstance(term, UnaryExpression) else term).key)
                       for term in order]


def _label(name: str):
    return literal_column(f"'{name}'", String).label("facet")


async def facets(session: AsyncSession, query: SearchQuery) -> tuple[int, dict[str, list[tuple[str, int]]]]:
    """How many offerings the whole result holds, and per facet how many hold each value. One query:
    the matched ids once, grouped counts over them."""
    matched = (select(Offering.id, Offering.engagement_type, Offering.residency_region, Offering.risk_tier)
               .where(*conditions(query, text.for_session(session))).cte("matched"))
    count = func.count().label("n")
    parts = [
        select(_label("total"), literal_column("''", String).label("value"), count).select_from(matched),
        *(select(_label(facet), matched.c[column_name].label("value"), count).group_by(matched.c[column_name])
          for facet, column_name in (("engagement_type", "engagement_type"), ("data_residency", "residency_region"),
                                     ("risk_tier", "risk_tier"))),
        select(_label("category"), OfferingCategory.category_code.label("value"), count)
        .select_from(matched.join(OfferingCategory, OfferingCategory.offering_id == matched.c.id))
        .group_by(OfferingCategory.category_code),
        select(_label("certification"), OfferingAssurance.standard.label("value"),
               func.count(distinct(OfferingAssurance.offering_id)).label("n"))
        .select_from(matched.join(OfferingAssurance, OfferingAssurance.offering_id == matched.c.id))
        .where(held(query.today)).group_by(OfferingAssurance.standard),
    ]
    total, counts = 0, {}
    for facet, value, n in (await session.execute(union_all(*parts))).all():
        if facet == "total":
            total = n
        else:
            counts.setdefault(facet, []).append((value, n))
    return total, counts
