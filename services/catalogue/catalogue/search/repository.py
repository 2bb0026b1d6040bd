"""The search query: one page of matching offerings in a stable order and the facet counts of the whole
result, in one statement over the matched set."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, String, distinct, func, literal_column, null, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from catalogue.eligibility.models import SupplierProjection
from catalogue.offering.models import Offering
from catalogue.search import text
from catalogue.search.models import SearchQuery
from servicekit.pagination import keyset_after


CATEGORIES = ("category_1", "category_2", "category_3")


def _visibility(query: SearchQuery, row) -> list[ColumnElement[bool]]:
    if query.everything:
        return []
    visible = row.status == "published"
    if query.own_supplier_id:
        visible = or_(visible, row.supplier_id == query.own_supplier_id)
    return [visible]


def _supplier_facts(query: SearchQuery, row) -> list[ColumnElement[bool]]:
    """Filters on what the catalogue's projection knows of the supplier."""
    facts = []
    if query.supplier_sizes:
        facts.append(SupplierProjection.size.in_(query.supplier_sizes))
    if query.maori_business is not None:
        facts.append(SupplierProjection.maori_business == query.maori_business)
    return [row.supplier_id.in_(select(SupplierProjection.id).where(*facts))] if facts else []


def conditions(query: SearchQuery, search: text.TextSearch) -> list[ColumnElement[bool]]:
    """Every condition of the query over the searched table, visibility included."""
    row = search.SOURCE.c
    where = _visibility(query, row) + _supplier_facts(query, row)
    if query.status:
        where.append(row.status == query.status)
    if query.supplier_id:
        where.append(row.supplier_id == query.supplier_id)
    if (candidates := search.candidates(query)) is not None:
        where.append(candidates)
    if query.categories:
        where.append(or_(*(row[name].in_(query.categories) for name in CATEGORIES)))
    if query.certifications:
        where.append(search.holds(query.certifications, query.today))
    if query.engagement_types:
        where.append(row.engagement_type.in_(query.engagement_types))
    if query.residencies:
        where.append(row.residency_region.in_(query.residencies))
    if query.te_reo_maori_support is not None:
        where.append(row.te_reo_maori_support == query.te_reo_maori_support)
    if query.risk_tiers:
        where.append(row.risk_tier.in_(query.risk_tiers))
    # Price ranges overlap: the offering's range reaches into the one asked for.
    if query.price_min is not None:
        where.append(row.price_max_nzd >= query.price_min)
    if query.price_max is not None:
        where.append(row.price_min_nzd <= query.price_max)
    return where


SORT_COLUMNS = {"relevance": ("score", "name", "id"), "name": ("name", "id"), "updated": ("updated_at", "id"),
                "created": ("created_at", "id")}
DESCENDING = {"score", "updated_at", "created_at"}


@dataclass
class Found:
    """A page of the result, the sort values of its last offering when more follow, and (when asked
    for) the size of the whole result and its facet counts."""

    offerings: list[Offering]
    last: list[Any] | None
    total: int | None = None
    counts: dict[str, dict[str, int]] = field(default_factory=dict)


def _matched(query: SearchQuery, sort: str, search: text.TextSearch, *, shared: bool):
    """The matched set: ids with what the sort and the facets need (never the wide columns). When the
    facets read it too (`shared`) it is computed once; otherwise the page reads the table directly, in
    index order where there is one, and stops at the page's end."""
    row = search.SOURCE.c
    columns = [row[name] for name in ("id", "name", "updated_at", "created_at", "engagement_type", "residency_region",
                                      "risk_tier", *CATEGORIES, *search.RECORD_COLUMNS)]
    if sort == "relevance":
        columns.append(search.relevance(query.terms).label("score"))
    matched = select(*columns).where(*conditions(query, search))
    return matched.cte("matched").prefix_with("MATERIALIZED") if shared else matched.subquery("matched")


def _ordering(matched, sort: str) -> list:
    """ORDER BY terms over the matched set; the last (the id) is unique, so the order is total and a
    cursor exact. Descending sorts break ties by descending id, ascending ones by ascending id."""
    names = SORT_COLUMNS[sort]
    descending_ties = sort in ("updated", "created")
    return [matched.c[name].desc() if name in DESCENDING or (name == "id" and descending_ties) else matched.c[name]
            for name in names]


def _label(name: str):
    return literal_column(f"'{name}'", String).label("kind")


def _facet_counts(matched, search: text.TextSearch, today: date) -> list:
    count = func.count().label("n")
    no_score = null().label("score")
    return [
        select(_label("total"), literal_column("''", String).label("value"), count, no_score).select_from(matched),
        *(select(_label(facet), matched.c[column_name].label("value"), count, no_score)
          .group_by(matched.c[column_name])
          for facet, column_name in (("engagement_type", "engagement_type"), ("data_residency", "residency_region"),
                                     ("risk_tier", "risk_tier"))),
        *(select(_label("category"), matched.c[name].label("value"), count, no_score)
          .where(matched.c[name].is_not(None)).group_by(matched.c[name]) for name in CATEGORIES),
        _certification_counts(search.held_standards(matched, today).subquery("held"), no_score),
    ]


def _certification_counts(held, no_score) -> Select:
    # An offering may hold a standard by more than one record: it counts once.
    return (select(_label("certification"), held.c.standard.label("value"),
                   func.count(distinct(held.c.offering_id)).label("n"), no_score).group_by(held.c.standard))


async def find(session: AsyncSession, query: SearchQuery, *, sort: str, after: list[Any] | None, limit: int,
               with_facets: bool) -> Found:
    """One page of the result after the sort values `after`, with the facet counts of the whole result,
    in one statement: the matched set is computed once and both the page and the counts read it. Only
    the page's offerings are then read whole."""
    search = text.for_session(session)
    matched = _matched(query, sort, search, shared=with_facets)
    order = _ordering(matched, sort)
    score = matched.c.score if sort == "relevance" else null()
    page = select(_label("page"), matched.c.id.label("value"), func.row_number().over(order_by=order).label("n"),
                  score.label("score"))
    if after:
        page = page.where(keyset_after(order, after))
    page = page.order_by(*order).limit(limit + 1).subquery("page")
    parts = [select(page)] + (_facet_counts(matched, search, query.today) if with_facets else [])
    rows = (await session.execute(union_all(*parts) if len(parts) > 1 else parts[0])).all()
    found = Found(offerings=[], last=None, total=0 if with_facets else None)
    ranked = []
    for kind, value, n, row_score in rows:
        if kind == "page":
            ranked.append((n, value, row_score))
        elif kind == "total":
            found.total = n
        else:  # a category comes once per category column: add them up
            found.counts.setdefault(kind, {}).setdefault(value, 0)
            found.counts[kind][value] += n
    ranked.sort()
    more = len(ranked) > limit
    ids = [offering_id for _, offering_id, _ in ranked[:limit]]
    loaded = {o.id: o for o in (await session.execute(select(Offering).where(Offering.id.in_(ids)))).scalars()}
    found.offerings = [loaded[i] for i in ids]
    if more:
        last, last_score = found.offerings[-1], ranked[limit - 1][2]
        found.last = [last_score if name == "score" else getattr(last, name) for name in SORT_COLUMNS[sort]]
    return found
