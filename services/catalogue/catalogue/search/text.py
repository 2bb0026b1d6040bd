"""Full-text matching over name, summary and description: one interface, one implementation per database
(SQLite FTS5, PostgreSQL tsvector). Each index also holds the offering's filter values as tokens, so it
narrows by words and filters in one pass.

Both score relevance from the offering and the query alone, never from statistics of the whole
catalogue (as FTS5's bm25 does), so an offering's score does not move while others are published or
suspended, and a relevance cursor stays exact between pages.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Protocol

from sqlalchemy import (Boolean, Column, Float, Integer, MetaData, String, Table, and_, column, func, literal_column,
                        select, table, type_coerce)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from catalogue.offering.models import Offering
from catalogue.search.models import SearchQuery
from servicekit.tables import UtcDateTime


MAX_TERMS = 12
WORD = re.compile(r"[^\W_]+")  # letters and digits: both full-text parsers split at the rest


def terms_of(q: str) -> list[str]:
    """The words of a query, lower case and without diacritics (Māori matches maori)."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", q) if not unicodedata.combining(c))
    return WORD.findall(folded.lower())[:MAX_TERMS]


class TextSearch(Protocol):
    """Which offerings match the words, and how well."""

    # The table searched: it has the offering's id and every filter and sort column under their names.
    SOURCE: Table

    def candidates(self, query: SearchQuery) -> ColumnElement[bool] | None:
        """A condition on `catalogue_offerings` keeping offerings that hold every word (the last as a
        prefix), None when nothing narrows. An index may apply some of the query's filters here too;
        the search applies them all again, so this may let through more than the query wants, never
        less."""

    def relevance(self, terms: list[str]) -> ColumnElement[float]:
        """A score per offering from its own text alone, higher is better."""


TEXT = table("catalogue_offering_text", column("rowid"))
# Weights of the fields holding every word: the name counts most. The description, where most
# matches are, is not scored: matching it alone is the baseline, and scoring it would mean a second
# pass over the largest posting lists.
FIELD_WEIGHTS = {"name": 2, "summary": 1}


def tag(prefix: str, value: str) -> str:
    """A filter value as one index token (the migration's _tag is the same rule, in SQL)."""
    return prefix + re.sub(r"[.\-_]", "", value.lower()) + "x"


def _indexed_filters(query: SearchQuery) -> list[list[str]]:
    """The query's filters the full-text index holds as tokens: per filter, the tokens of its values."""
    groups = [[tag(prefix, value) for value in values] for prefix, values in (
        ("en", query.engagement_types), ("re", query.residencies), ("ri", query.risk_tiers), ("ca", query.categories),
        ("cf", query.certifications))]  # a standard held by an active record, in date or not
    if query.te_reo_maori_support is not None:
        groups.append(["tryesx" if query.te_reo_maori_support else "trnox"])
    return [group for group in groups if group]



class Fts5Search:
    """SQLite FTS5 (porter stemming, diacritics folded). The words are looked for in the name, summary and
    description; the index's `facts` column holds the filter values as tokens, so words and filters are
    intersected inside FTS5. Relevance is the weighted sum of the short fields (name, summary) that hold
    every word."""

    @staticmethod
    def _expression(terms: list[str]) -> str:
        quoted = [f'"{term}"' for term in terms]
        quoted[-1] += "*"
        return " ".join(quoted)

    SOURCE = Offering.__table__  # read through its covering index
    # The offering's integer key in the full-text index (a SQLite-only column, kept by triggers).
    KEY = literal_column("catalogue_offerings.search_key")

    def _matching(self, expression: str) -> ColumnElement[bool]:
        return self.KEY.in_(select(TEXT.c.rowid).where(literal_column("catalogue_offering_text").op("MATCH")(expression)))

    def candidates(self, query: SearchQuery) -> ColumnElement[bool] | None:
        filters = _indexed_filters(query)
        if not query.terms and not filters:
            return None  # browsing: reading the covering index in order beats a list of every offering
        groups = [f"{{name summary description}} : ({self._expression(query.terms)})"] if query.terms else []
        groups += ["facts : (" + " OR ".join(f'"{token}"' for token in tokens) + ")" for tokens in filters]
        return self._matching(" AND ".join(groups))

    def relevance(self, terms: list[str]) -> ColumnElement[float]:
        expression = self._expression(terms)
        score = sum(weight * type_coerce(self._matching(f"{field} : ({expression})"), Integer)
                    for field, weight in FIELD_WEIGHTS.items())
        return type_coerce(score, Float)


# PostgreSQL's narrow copy of what search reads, kept by a trigger on the offerings (see the migration).
SEARCH_ROWS = Table(
    "catalogue_offering_search", MetaData(),
    Column("id", String(36), primary_key=True), Column("status", String(20)), Column("supplier_id", String(36)),
    Column("engagement_type", String(80)), Column("residency_region", String(20)), Column("risk_tier", String(20)),
    Column("te_reo_maori_support", Boolean), Column("price_min_nzd", Float), Column("price_max_nzd", Float),
    Column("category_1", String(80)), Column("category_2", String(80)), Column("category_3", String(80)),
    Column("name", String(200)), Column("updated_at", UtcDateTime(timezone=True)),
    Column("created_at", UtcDateTime(timezone=True)), Column("search_vector", TSVECTOR))
ENGLISH = literal_column("'english'::regconfig")
SIMPLE = literal_column("'simple'::regconfig")


class PostgresSearch:
    """PostgreSQL full-text search over a narrow table kept by a trigger; its vector holds the words with
    weights A (name), B (summary) and D (description), the filter values as tokens of weight C, so the
    GIN index intersects words and filters. Relevance is ts_rank over the words."""

    SOURCE = SEARCH_ROWS
    VECTOR = SEARCH_ROWS.c.search_vector

    @staticmethod
    def _words(terms: list[str]):
        # Only the weights of the words: a word never matches a filter token.
        return func.to_tsquery(ENGLISH, " & ".join(f"{term}:ABD" for term in terms[:-1])
                               + (" & " if len(terms) > 1 else "") + f"{terms[-1]}:*ABD")

    def candidates(self, query: SearchQuery) -> ColumnElement[bool] | None:
        filters = _indexed_filters(query)
        facts = func.to_tsquery(SIMPLE, " & ".join("(" + " | ".join(f"{token}:C" for token in tokens) + ")"
                                                     for tokens in filters)) if filters else None
        if not query.terms:
            return None if facts is None else self.VECTOR.op("@@")(facts)
        words = self._words(query.terms)
        # Words that are all stop words make an empty query, which PostgreSQL would drop from the
        # conjunction with the filters (matching everything): they match nothing, as on their own.
        return and_(func.numnode(words) > 0, self.VECTOR.op("@@")(words if facts is None else words.op("&&")(facts)))

    def relevance(self, terms: list[str]) -> ColumnElement[float]:
        return func.ts_rank(self.VECTOR, self._words(terms), type_=Float)


def for_session(session: AsyncSession) -> TextSearch:
    """The implementation for the database behind the session."""
    return PostgresSearch() if session.bind.dialect.name == "postgresql" else Fts5Search()
