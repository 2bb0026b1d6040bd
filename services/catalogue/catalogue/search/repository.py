"""The search query: one page of matching offerings in a stable order and the facet counts of the whole
result, in one statement over the matched set."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import (Float, Integer, Select, String, and_, bindparam, case, cast, distinct, func, literal_column, null,
                        or_, select, type_coerce, union, union_all)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from catalogue.supplier.models import SupplierProjection
from catalogue.offering.models import Offering
from catalogue.search import text
from catalogue.search.models import PRICE_RANGES, SearchQuery, price_range_value
from servicekit.pagination import keyset_after, keyset_values


CATEGORIES = ("category_1", "category_2", "category_3")
# The query's filters: which are set decides the statement's form; each value is bound under its own name.
FILTERS = ("terms", "categories", "engagement_types", "residencies", "te_reo_maori_support", "certifications",
           "risk_tiers", "price_min", "price_max", "supplier_sizes", "maori_business", "status", "supplier_id",
           "semantic")
# Hybrid relevance: an offering holding every word scores KEYWORD_MATCH, plus the field weights of the
# keyword score (name 2, summary 1), plus SEMANTIC times its similarity to the query (below 1). With
# KEYWORD_MATCH >= SEMANTIC a keyword match outweighs any similarity, so exact words come first; meaning
# orders within them and finds what the words miss. On the labelled queries (bench/search_relevance.py)
# every blend from 0.5/3 to 4/4 scored the same; similarity alone (SEMANTIC 0) fell to hit@3 0.71.
KEYWORD_MATCH, SEMANTIC = 4.0, 4.0


def _many(name: str):
    """A list value, bound as one parameter however long it is."""
    return bindparam(name, expanding=True)


@dataclass(frozen=True)
class Shape:
    """What decides the form of a search statement: the filters set, who is asking, the sort, and whether
    a cursor and the facet counts come into it. The values are bound at each execution, so a statement is
    built once per shape and then reused."""

    filters: frozenset[str]
    visibility: str  # "all", "published" or "published_or_own"
    sort: str
    paged: bool
    facets: bool

    @classmethod
    def of(cls, query: SearchQuery, *, sort: str, paged: bool, facets: bool) -> Shape:
        visibility = "all" if query.everything else "published_or_own" if query.own_supplier_id else "published"
        given = frozenset(name for name in FILTERS if getattr(query, name) not in (None, [], ""))
        return cls(given, visibility, sort, paged, facets)


def _visibility(visibility: str, row) -> list[ColumnElement[bool]]:
    if visibility == "all":
        return []
    visible = row.status == "published"
    if visibility == "published_or_own":
        visible = or_(visible, row.supplier_id == bindparam("own_supplier_id"))
    return [visible]


def _supplier_facts(filters: frozenset[str], row) -> list[ColumnElement[bool]]:
    """Filters on what the catalogue's projection knows of the supplier."""
    facts = []
    if "supplier_sizes" in filters:
        facts.append(SupplierProjection.size.in_(_many("supplier_sizes")))
    if "maori_business" in filters:
        facts.append(SupplierProjection.maori_business == bindparam("maori_business"))
    return [row.supplier_id.in_(select(SupplierProjection.id).where(*facts))] if facts else []


def conditions(shape: Shape, search: text.TextSearch, similar=None) -> list[ColumnElement[bool]]:
    """Every condition of a query of this shape over the searched table, visibility included; with
    `similar` (hybrid ranking) the offerings alike in meaning match as well as those holding the words."""
    row, given = search.SOURCE.c, shape.filters
    where = _visibility(shape.visibility, row) + _supplier_facts(given, row)
    if "status" in given:
        where.append(row.status == bindparam("status"))
    if "supplier_id" in given:
        where.append(row.supplier_id == bindparam("supplier_id"))
    if (candidates := search.candidates(given)) is not None:
        where.append(candidates if similar is None else _either(search, candidates, similar))
    if "categories" in given:
        where.append(or_(*(row[name].in_(_many("categories")) for name in CATEGORIES)))
    if "certifications" in given:
        where.append(search.holds(_many("certifications")))
    for name, column in (("engagement_types", row.engagement_type), ("residencies", row.residency_region),
                         ("risk_tiers", row.risk_tier)):
        if name in given:
            where.append(column.in_(_many(name)))
    if "te_reo_maori_support" in given:
        where.append(row.te_reo_maori_support == bindparam("te_reo_maori_support"))
    # Price ranges overlap: the offering's range reaches into the one asked for.
    if "price_min" in given:
        where.append(row.price_max_nzd >= bindparam("price_min"))
    if "price_max" in given:
        where.append(row.price_min_nzd <= bindparam("price_max"))
    return where


def _either(search: text.TextSearch, candidates: ColumnElement[bool], similar) -> ColumnElement[bool]:
    """Offerings the words find or the meaning does, as one list of keys: an OR of the two conditions
    would read every row of the table to test it."""
    key, row = search.KEY, search.SOURCE.c
    by_words = select(key).where(candidates).correlate(None)
    by_meaning = select(key).where(row.id.in_(select(similar.c.id))).correlate(None)
    return key.in_(union(by_words, by_meaning))


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


def _matched(shape: Shape, search: text.TextSearch):
    """The matched set: ids with what the sort and the facets need (never the wide columns). When the
    facets read it too it is computed once; otherwise the page reads the table directly, in index order
    where there is one, and stops at the page's end."""
    row = search.SOURCE.c
    columns = [row[name] for name in ("id", "name", "updated_at", "created_at", "engagement_type", "residency_region",
                                      "risk_tier", *CATEGORIES, *search.RECORD_COLUMNS)]
    if shape.facets:
        columns += [row[name] for name in ("supplier_id", "te_reo_maori_support", "price_min_nzd", "price_max_nzd")]
    similar = search.similar() if "semantic" in shape.filters else None
    if shape.sort == "relevance":
        score = search.relevance()
        if similar is not None:
            score = (KEYWORD_MATCH * cast(search.has_words(), Integer) + score
                     + SEMANTIC * func.coalesce(similar.c.similarity, 0.0))
        columns.append(type_coerce(score, Float).label("score"))
    matched = select(*columns).where(*conditions(shape, search, similar))
    if similar is not None:
        matched = matched.select_from(search.SOURCE.outerjoin(similar, similar.c.id == row.id))
    return matched.cte("matched").prefix_with("MATERIALIZED") if shape.facets else matched.subquery("matched")


def _ordering(matched, sort: str) -> list:
    """ORDER BY terms over the matched set; the last (the id) is unique, so the order is total and a
    cursor exact. Descending sorts break ties by descending id, ascending ones by ascending id."""
    names = SORT_COLUMNS[sort]
    descending_ties = sort in ("updated", "created")
    return [matched.c[name].desc() if name in DESCENDING or (name == "id" and descending_ties) else matched.c[name]
            for name in names]


def _label(name: str):
    return literal_column(f"'{name}'", String).label("kind")


def _facet_counts(matched, search: text.TextSearch) -> list:
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
        _certification_counts(search.held_standards(matched).subquery("held"), no_score),
        _yes_no_counts("te_reo_maori_support", matched.c.te_reo_maori_support, matched, no_score),
        *_supplier_counts(matched, no_score),
        *(select(_label("price_range"), literal_column(f"'{price_range_value(low, high)}'", String).label("value"),
                 count, no_score).select_from(matched).where(_reaches_into(matched, low, high))
          for low, high in PRICE_RANGES),
    ]


def _yes_no(condition) -> ColumnElement:
    return case((condition, literal_column("'true'", String)), else_=literal_column("'false'", String))


def _yes_no_counts(kind: str, condition, source, no_score) -> Select:
    return select(_label(kind), _yes_no(condition).label("value"), func.count().label("n"), no_score) \
        .select_from(source).group_by(_yes_no(condition))


def _supplier_counts(matched, no_score) -> list[Select]:
    """Counts by what the catalogue's projection knows of each offering's supplier."""
    with_supplier = matched.join(SupplierProjection, SupplierProjection.id == matched.c.supplier_id)
    return [select(_label("supplier_size"), SupplierProjection.size.label("value"), func.count().label("n"), no_score)
            .select_from(with_supplier).group_by(SupplierProjection.size),
            _yes_no_counts("maori_business", SupplierProjection.maori_business, with_supplier, no_score)]


def _reaches_into(matched, low: float, high: float | None) -> ColumnElement[bool]:
    """The offering's price range overlaps [low, high], as the price_min/price_max filters match."""
    reaches = matched.c.price_max_nzd >= low
    return reaches if high is None else and_(reaches, matched.c.price_min_nzd <= high)


def _certification_counts(held, no_score) -> Select:
    # An offering may hold a standard by more than one record: it counts once.
    return (select(_label("certification"), held.c.standard.label("value"),
                   func.count(distinct(held.c.offering_id)).label("n"), no_score).group_by(held.c.standard))


@lru_cache(maxsize=512)
def _statement(search: text.TextSearch, shape: Shape) -> tuple[Select, list]:
    """The page and (when asked for) the facet counts in one statement, and the page's order: the matched
    set is computed once and both read it. Built once per shape: building it took longer than a simple
    query runs."""
    matched = _matched(shape, search)
    order = _ordering(matched, shape.sort)
    score = matched.c.score if shape.sort == "relevance" else null()
    page = select(_label("page"), matched.c.id.label("value"), func.row_number().over(order_by=order).label("n"),
                  score.label("score"))
    if shape.paged:
        page = page.where(keyset_after(order, [bindparam(f"after_{n}") for n in range(len(order))]))
    page = page.order_by(*order).limit(bindparam("limit", type_=Integer)).subquery("page")
    parts = [select(page)] + (_facet_counts(matched, search) if shape.facets else [])
    return (union_all(*parts) if len(parts) > 1 else parts[0]), order


def _parameters(query: SearchQuery, search: text.TextSearch, after: list[Any], order: list,
                limit: int) -> dict[str, Any]:
    """The values of the query, by the names the statement binds them under (those it does not use are
    ignored)."""
    values = {name: getattr(query, name) for name in FILTERS if name != "terms"}
    values |= {"own_supplier_id": query.own_supplier_id, "today": query.today, "limit": limit + 1}
    values |= {f"after_{n}": value for n, value in enumerate(keyset_values(order, after))}
    return values | search.values(query)


async def find(session: AsyncSession, query: SearchQuery, *, sort: str, after: list[Any] | None, limit: int,
               with_facets: bool) -> Found:
    """One page of the result after the sort values `after`, with the facet counts of the whole result,
    in one statement; only the page's offerings are then read whole."""
    search = text.for_session(session)
    statement, order = _statement(search, Shape.of(query, sort=sort, paged=bool(after), facets=with_facets))
    rows = (await session.execute(statement, _parameters(query, search, after or [], order, limit))).all()
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
