"""Rules of search and comparison: which filter values exist, who sees what, how a cursor is read."""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.category import repository as categories
from catalogue.supplier import repository as eligibility
from catalogue.offering import service as offerings
from catalogue.offering.models import Offering, OfferingPublic
from catalogue.search import repository, semantic
from catalogue.search.semantic import QueryEmbedder
from catalogue.search.vectors import VectorIndex
from catalogue.search.models import (FACETS, PRICE_RANGES, Comparison, ComparedField, FacetValue, Facets, SearchPage,
                                     SearchQuery, Sort, price_range_value)
from events.catalogue import record_counts
from servicekit.cache import TtlCache
from servicekit.identity import Identity
from servicekit.pagination import decode_cursor, encode_cursor
from servicekit.problems import Problem, not_found, validation_problem

MIN_COMPARED, MAX_COMPARED = 2, 5


def visibility(query: SearchQuery, identity: Identity) -> SearchQuery:
    """Assessors and admins see every state; others published offerings and a supplier its own too."""
    query.everything = offerings.sees_everything(identity)
    query.own_supplier_id = identity.supplier_id if identity.has_role("supplier") else None
    return query


async def check_codes(session: AsyncSession, query: SearchQuery, q: str | None,
                      match: str | None = None) -> SearchQuery:
    """422 naming each unknown category or engagement type, a query without a word, or a match without
    a query; categories
    are widened to those below them (asking for translation finds te reo Māori translation)."""
    errors = []
    if query.categories or query.engagement_types:  # the taxonomy is read only when a filter names it
        taxonomy = await categories.axes_and_parents(session)
        errors += [{"field": "category", "message": f"{code}: no solution category has this code"}
                   for code in query.categories if taxonomy.get(code, ("",))[0] != "solution"]
        errors += [{"field": "engagement_type", "message": f"{code}: no engagement type has this code"}
                   for code in query.engagement_types if taxonomy.get(code, ("",))[0] != "engagement"]
        query.categories = _with_descendants(query.categories, taxonomy)
    if q is not None and not query.terms:
        errors.append({"field": "q", "message": "holds no word to search for"})
    if match is not None and q is None:
        errors.append({"field": "match", "message": "needs q"})
    if query.price_min is not None and query.price_max is not None and query.price_min > query.price_max:
        errors.append({"field": "price_min", "message": "must not exceed price_max"})
    if errors:
        raise validation_problem(errors)
    return query


def ranks_by_meaning(match: str | None, settings) -> bool:
    """Hybrid ranking unless keyword matching is asked for or the service does no semantic search."""
    return match != "keyword" and settings.semantic_search


async def with_meaning(session: AsyncSession, query: SearchQuery, q: str, index: VectorIndex,
                       embedder: QueryEmbedder) -> SearchQuery:
    """The query with its semantic half: misspelt words corrected against the catalogue's words, and the
    offerings alike in meaning. With no vectors stored yet it stays a keyword query."""
    await index.refresh(session)
    if not len(index):
        return query
    query.terms = semantic.correct(query.terms, index)
    query.semantic = await semantic.similar(index, embedder, q, query.terms)
    return query


def _with_descendants(codes: list[str], taxonomy: dict[str, tuple[str, str | None]]) -> list[str]:
    wanted = set(codes)
    grown = True
    while grown:
        below = {code for code, (_, parent) in taxonomy.items() if parent in wanted} - wanted
        wanted |= below
        grown = bool(below)
    return sorted(wanted)


def _after(sort: str, cursor: str | None) -> list[Any] | None:
    """The sort values a cursor holds; 400 when it was given out for another sort."""
    if not cursor:
        return None
    values = decode_cursor(cursor, 4 if sort == "relevance" else 3)
    if values[0] != sort:
        raise Problem(400, f"cursor belongs to sort={values[0]}, not sort={sort}", kind="invalid-cursor")
    return values[1:]


def choose_sort(sort: Sort | None, query: SearchQuery) -> str:
    """Relevance when words are given, newest first otherwise; relevance needs words."""
    if sort == "relevance" and not query.terms:
        raise validation_problem([{"field": "sort", "message": "relevance needs q"}])
    return sort or ("relevance" if query.terms else "created")


async def search(session: AsyncSession, query: SearchQuery, *, sort: str, cursor: str | None, limit: int,
                 with_facets: bool, facet_cache: TtlCache[Counted], now: float) -> SearchPage:
    """One page of the result, with the facet counts of the whole result.

    Counting facets over the whole result is most of a search's work, and what anyone who sees only published
    offerings gets does not depend on who asks: those counts come from `facet_cache` for a few seconds (the
    page itself is always read fresh)."""
    key = _facet_key(query) if with_facets and facet_cache.enabled else None
    counted = facet_cache.get(key, now) if key is not None else None
    found = await repository.find(session, query, sort=sort, after=_after(sort, cursor), limit=limit,
                                  with_facets=with_facets and counted is None)
    if key is not None and counted is None:
        counted = Counted(found.total, found.counts)
        facet_cache.put(key, counted, now)
    page = SearchPage(data=[OfferingPublic.model_validate(o, from_attributes=True) for o in found.offerings],
                      next_cursor=encode_cursor([sort, *found.last]) if found.last else None, total=found.total)
    if with_facets:
        total, counts = counted if counted is not None else (found.total, found.counts)
        page.total = total
        page.facets = facets_of(counts)
    return page


def facets_of(counts: dict[str, dict[str, int]]) -> Facets:
    """Each facet's values, the most frequent first; the price ranges in their own order, every one."""
    facets = {facet: [FacetValue(value=value, count=n) for value, n in
                      sorted(counts.get(facet, {}).items(), key=lambda pair: (-pair[1], pair[0]))]
              for facet in FACETS}
    in_ranges = counts.get("price_range", {})
    facets["price_range"] = [FacetValue(value=value, count=in_ranges.get(value, 0))
                             for value in (price_range_value(low, high) for low, high in PRICE_RANGES)]
    return Facets(**facets)


class Counted(NamedTuple):
    """The total and facet counts of one search's whole result."""

    total: int | None
    counts: dict[str, dict[str, int]]


def _facet_key(query: SearchQuery) -> tuple | None:
    """What the counts of this query depend on, when they do not depend on the caller; else None."""
    if query.everything or query.own_supplier_id:
        return None
    return tuple(tuple(value) if isinstance(value, list) else value for name, value in vars(query).items()
                 if name not in ("everything", "own_supplier_id"))


def parse_ids(ids: str) -> list[str]:
    """2 to 5 distinct offering ids, comma separated."""
    parts = [part.strip() for part in ids.split(",")]
    errors = []
    if any(not part for part in parts):
        errors.append("an id is empty")
    if not MIN_COMPARED <= len(parts) <= MAX_COMPARED:
        errors.append(f"compare {MIN_COMPARED} to {MAX_COMPARED} offerings, not {len(parts)}")
    if len(set(parts)) != len(parts):
        errors.append("an id is repeated: " + ", ".join(sorted({p for p in parts if parts.count(p) > 1})))
    if errors:
        raise validation_problem([{"field": "query:ids", "message": message} for message in errors])
    return parts


def held_certifications(offering: Offering, today: date) -> list[str]:
    """Standards of the offering's assurance records that count today."""
    return sorted({r["standard"] for r in offering.assurance_records if record_counts(r, today)})


# What the comparison lines up, and how to read each from an offering.
COMPARED = {
    "supplier": lambda o, facts: facts.get(o.supplier_id, o.supplier_id),
    "categories": lambda o, _: sorted(o.categories),
    "engagement_type": lambda o, _: o.engagement_type,
    "pricing_model": lambda o, _: o.pricing["model"],
    "price_min_nzd": lambda o, _: o.pricing["min_nzd"],
    "price_max_nzd": lambda o, _: o.pricing["max_nzd"],
    "deployment": lambda o, _: o.deployment,
    "data_residency": lambda o, _: o.data_residency.get("country") or o.data_residency["region"],
    "te_reo_maori_support": lambda o, _: o.te_reo_maori_support,
    "model_provenance": lambda o, _: o.model_provenance["kind"],
    "risk_tier": lambda o, _: o.risk_tier,
    "maori_data": lambda o, _: o.maori_data["involves"],
    "status": lambda o, _: o.status,
}


async def compare(session: AsyncSession, ids: list[str], identity: Identity, today: date) -> Comparison:
    """The offerings side by side, field by field; 404 naming every id the caller cannot see."""
    found, missing = [], []
    for offering_id in ids:
        try:
            found.append(await offerings.get_visible(session, offering_id, identity))
        except Problem:
            missing.append(offering_id)
    if missing:
        raise not_found("offering", ", ".join(missing))
    names = {}
    for offering in found:
        supplier = await eligibility.get_supplier(session, offering.supplier_id)
        names[offering.supplier_id] = (supplier.trading_name or supplier.legal_name) if supplier else offering.supplier_id
    fields = [ComparedField(field=name, values=[read(o, names) for o in found]) for name, read in COMPARED.items()]
    fields.append(ComparedField(field="certifications_held", values=[held_certifications(o, today) for o in found]))
    for line in fields:
        line.same = all(value == line.values[0] for value in line.values)
    return Comparison(offerings=[OfferingPublic.model_validate(o, from_attributes=True) for o in found],
                      fields=fields)
