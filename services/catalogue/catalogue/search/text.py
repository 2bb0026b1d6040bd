"""What search asks of the database, one interface with one implementation per database (SQLite FTS5,
PostgreSQL tsvector): which offerings hold the words, how well, and which hold a certification today.
Each full-text index also holds the offering's filter values as tokens, so it narrows by words and
filters in one pass.

Both score relevance the same way, from the offering and the query alone, never from statistics of the
whole catalogue (as FTS5's bm25 does): an offering's score does not move while others are published or
suspended, and a relevance cursor stays exact between pages.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from sqlalchemy import (Boolean, Column, Date, Float, Integer, MetaData, String, Table, and_, bindparam, cast, column,
                        exists, func, literal_column, select, table, type_coerce)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSQUERY, TSVECTOR
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from catalogue.offering.search_rows import fact, fold, tag
from catalogue.search.models import SearchQuery
from servicekit.tables import UtcDateTime
from servicekit.words import ENGLISH_STOP_WORDS


MAX_TERMS = 12
WORD = re.compile(r"[^\W_]+")  # letters and digits: both full-text parsers split at the rest
# Left out of every query, on SQLite too, so a query gives the same offerings on both databases.
STOP_WORDS = ENGLISH_STOP_WORDS


def terms_of(q: str) -> list[str]:
    """The words of a query, lower case and folded, common English words left out."""
    return [word for word in WORD.findall(fold(q).lower()) if word not in STOP_WORDS][:MAX_TERMS]


class TextSearch(Protocol):
    """Which offerings match the words, and how well. Conditions and scores bind their values as
    parameters (the statement is reused for every query of its shape); `values` gives them."""

    # The table searched: it has the offering's id and every filter and sort column under their names.
    SOURCE: Table
    # Its key, unique per offering (what the full-text index finds rows by).
    KEY: Column

    def candidates(self, filters: frozenset[str]) -> ColumnElement[bool] | None:
        """A condition on SOURCE keeping offerings that hold every word (the last as a prefix), None when
        nothing narrows; `filters` are the query's filters that are set. An index may apply some of
        them here too; the search applies them all again, so this may let through more than the query
        wants, never less."""

    def relevance(self) -> ColumnElement[float]:
        """A score per offering from its own text alone, higher is better."""

    def values(self, query: SearchQuery) -> dict[str, Any]:
        """The values `candidates` and `relevance` bind, for this query."""

    def has_words(self) -> ColumnElement[bool]:
        """A condition on SOURCE: the offering holds every word (filters aside)."""

    def similar(self):
        """The semantic half's offerings as rows (id, similarity), from the query's bound `semantic` JSON
        object (catalogue.search.semantic)."""

    # Columns of SOURCE the matched set carries for `held_standards`.
    RECORD_COLUMNS: tuple[str, ...]

    def holds(self, standards) -> ColumnElement[bool]:
        """A condition on SOURCE: the offering holds one of the standards today."""

    def held_standards(self, matched):
        """(offering_id, standard) for each record of the matched offerings that counts today."""


# The query's day, bound by name wherever an assurance record is checked.
TODAY = bindparam("today", type_=Date)
# Filters the full-text indexes hold as tokens, by the kind each token is tagged with.
INDEXED = {"engagement_types": "en", "residencies": "re", "risk_tiers": "ri", "categories": "ca",
           "certifications": "cf",  # a standard of an active record, in date or not
           "te_reo_maori_support": "tr"}


def counts_today(issued_on, expires_on) -> ColumnElement[bool]:
    """An active assurance record counts from its issue date to its expiry date, both included."""
    return and_(issued_on <= TODAY, expires_on >= TODAY)


TEXT = table("catalogue_offering_text", column("rowid"))
# SQLite's narrow copy of what search reads, and the offerings' active assurance records, keyed by the
# full-text index's integer key, written with every change of an offering (catalogue.offering.search_rows).
SQLITE_SEARCH_ROWS = Table(
    "catalogue_offering_search", MetaData(),
    Column("search_key", Integer, primary_key=True), Column("id", String(36)), Column("status", String(20)),
    Column("supplier_id", String(36)), Column("engagement_type", String(80)), Column("residency_region", String(20)),
    Column("risk_tier", String(20)), Column("te_reo_maori_support", Boolean), Column("price_min_nzd", Float),
    Column("price_max_nzd", Float), Column("category_1", String(80)), Column("category_2", String(80)),
    Column("category_3", String(80)), Column("name", String(200)), Column("updated_at", UtcDateTime(timezone=True)),
    Column("created_at", UtcDateTime(timezone=True)))
ACTIVE_RECORDS = Table(
    "catalogue_offering_records", MetaData(),
    Column("search_key", Integer, primary_key=True), Column("position", Integer, primary_key=True),
    Column("standard", String(60)), Column("issued_on", Date), Column("expires_on", Date))
# Which of those records count on the query's day.
ACTIVE_RECORD_COUNTS = counts_today(ACTIVE_RECORDS.c.issued_on, ACTIVE_RECORDS.c.expires_on)
# Weights of the fields holding every word: the name counts most. The description, where most
# matches are, is not scored: matching it alone is the baseline, and scoring it would mean a second
# pass over the largest posting lists.
FIELD_WEIGHTS = {"name": 2, "summary": 1}


def _indexed_filters(query: SearchQuery) -> list[tuple[str, list[str]]]:
    """The query's filters the full-text index holds as tokens: per filter set, its kind and values."""
    groups = []
    for name, kind in INDEXED.items():
        values = getattr(query, name)
        if isinstance(values, bool):  # te reo Māori support, asked either way
            values = ["yes" if values else "no"]
        if values:
            groups.append((kind, values))
    return groups


def _narrows(filters: frozenset[str]) -> bool:
    """Whether the full-text index narrows a query with these filters set."""
    return "terms" in filters or bool(filters & INDEXED.keys())


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

    SOURCE = SQLITE_SEARCH_ROWS
    KEY = SQLITE_SEARCH_ROWS.c.search_key

    def _matching(self, expression) -> ColumnElement[bool]:
        match = literal_column("catalogue_offering_text").op("MATCH")(expression)
        return self.KEY.in_(select(TEXT.c.rowid).where(match))

    def candidates(self, filters: frozenset[str]) -> ColumnElement[bool] | None:
        if not _narrows(filters):
            return None  # browsing: reading the table in index order beats a list of every offering
        return self._matching(bindparam("text_match", type_=String))

    def relevance(self) -> ColumnElement[float]:
        score = sum(weight * type_coerce(self._matching(bindparam(f"{field}_match", type_=String)), Integer)
                    for field, weight in FIELD_WEIGHTS.items())
        return type_coerce(score, Float)

    def has_words(self) -> ColumnElement[bool]:
        return self._matching(bindparam("words_match", type_=String))

    def similar(self):
        pairs = func.json_each(bindparam("semantic", type_=String)).table_valued("key", "value")
        # Materialized, the pairs get an automatic index on id for the join.
        return (select(pairs.c.key.label("id"), type_coerce(pairs.c.value, Float).label("similarity"))
                .cte("similar").prefix_with("MATERIALIZED"))

    def values(self, query: SearchQuery) -> dict[str, Any]:
        words = f"{{name summary description}} : ({self._expression(query.terms)})" if query.terms else None
        groups = [words] if words else []
        groups += ["facts : (" + " OR ".join(f'"{tag(kind, value)}"' for value in values) + ")"
                   for kind, values in _indexed_filters(query)]
        values = {"text_match": " AND ".join(groups), "words_match": words}
        if query.terms:
            values |= {f"{field}_match": f"{field} : ({self._expression(query.terms)})" for field in FIELD_WEIGHTS}
        return values

    # The active assurance records are rows of their own here, found by the offering's key.
    RECORD_COLUMNS = ("search_key",)

    def holds(self, standards) -> ColumnElement[bool]:
        # Correlated: checked, by key, only for offerings the rest of the query lets through.
        return exists().where(ACTIVE_RECORDS.c.search_key == self.KEY, ACTIVE_RECORDS.c.standard.in_(standards),
                              ACTIVE_RECORD_COUNTS)

    def held_standards(self, matched):
        return (select(ACTIVE_RECORDS.c.search_key.label("offering_id"), ACTIVE_RECORDS.c.standard)
                .where(ACTIVE_RECORDS.c.search_key.in_(select(matched.c.search_key)), ACTIVE_RECORD_COUNTS))


# PostgreSQL's narrow copy of what search reads, written with every change of an offering
# (catalogue.offering.search_rows).
SEARCH_ROWS = Table(
    "catalogue_offering_search", MetaData(),
    Column("id", String(36), primary_key=True), Column("status", String(20)), Column("supplier_id", String(36)),
    Column("engagement_type", String(80)), Column("residency_region", String(20)), Column("risk_tier", String(20)),
    Column("te_reo_maori_support", Boolean), Column("price_min_nzd", Float), Column("price_max_nzd", Float),
    Column("category_1", String(80)), Column("category_2", String(80)), Column("category_3", String(80)),
    Column("name", String(200)), Column("updated_at", UtcDateTime(timezone=True)),
    Column("created_at", UtcDateTime(timezone=True)), Column("search_vector", TSVECTOR),
    # The offering's active assurance records, one array per part, in the same order.
    Column("active_standards", ARRAY(String(60))), Column("active_issued_on", ARRAY(Date)),
    Column("active_expires_on", ARRAY(Date)))
ENGLISH = literal_column("'english'::regconfig")


def _quoted(lexeme: str) -> str:
    """A lexeme as tsquery text, taken whole whatever it holds."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


class PostgresSearch:
    """PostgreSQL full-text search over a narrow table; its vector holds the words with
    weights A (name), B (summary) and D (description) and the filter values as lexemes of their own,
    so the GIN index intersects words and filters, and needs no second look at the row. Relevance is,
    as on SQLite, the weighted sum of the short fields (name, summary) holding every word."""

    SOURCE = SEARCH_ROWS
    KEY = SEARCH_ROWS.c.id
    VECTOR = SEARCH_ROWS.c.search_vector
    WEIGHTS = {"A": FIELD_WEIGHTS["name"], "B": FIELD_WEIGHTS["summary"]}

    @staticmethod
    def _words(terms: list[str], weight: str = "") -> str:
        """Every word in the vector, the last as a prefix; only in fields of `weight` when given."""
        whole = f":{weight}" if weight else ""
        return " & ".join([*(term + whole for term in terms[:-1]), f"{terms[-1]}:*{weight}"])

    @staticmethod
    def _facts(filters: list[tuple[str, list[str]]]) -> str:
        return " & ".join("(" + " | ".join(_quoted(fact(kind, value)) for value in values) + ")"
                          for kind, values in filters)

    @staticmethod
    def _tsquery(name: str):
        return func.to_tsquery(ENGLISH, bindparam(name, type_=String))

    def candidates(self, filters: frozenset[str]) -> ColumnElement[bool] | None:
        facts = cast(bindparam("facts", type_=String), TSQUERY) if filters & INDEXED.keys() else None
        if "terms" not in filters:
            return None if facts is None else self.VECTOR.op("@@")(facts)
        words = self._tsquery("words")
        # Words PostgreSQL takes for stop words (STOP_WORDS are already gone) make an empty query, which
        # it would drop from the conjunction with the filters (matching everything): they match nothing.
        return and_(func.numnode(words) > 0, self.VECTOR.op("@@")(words if facts is None else words.op("&&")(facts)))

    def relevance(self) -> ColumnElement[float]:
        score = sum(weight * cast(self.VECTOR.op("@@")(self._tsquery(f"words_{code}")), Integer)
                    for code, weight in self.WEIGHTS.items())
        return type_coerce(score, Float)

    def has_words(self) -> ColumnElement[bool]:
        return self.VECTOR.op("@@")(self._tsquery("words"))

    def similar(self):
        pairs = func.jsonb_each_text(cast(bindparam("semantic", type_=String), JSONB)).table_valued("key", "value")
        return select(pairs.c.key.label("id"), cast(pairs.c.value, Float).label("similarity")).cte("similar")

    def values(self, query: SearchQuery) -> dict[str, Any]:
        values = {"facts": self._facts(_indexed_filters(query))}
        if query.terms:
            values |= {"words": self._words(query.terms)}
            values |= {f"words_{code}": self._words(query.terms, code) for code in self.WEIGHTS}
        return values

    RECORD_COLUMNS = ("active_standards", "active_issued_on", "active_expires_on")
    RECORD_PARTS = (column("standard", String), column("issued_on", Date), column("expires_on", Date))

    def holds(self, standards) -> ColumnElement[bool]:
        records = (func.unnest(*(self.SOURCE.c[name] for name in self.RECORD_COLUMNS))
                   .table_valued(*self.RECORD_PARTS, name="record").render_derived())
        return exists(select(1).select_from(records).where(
            records.c.standard.in_(standards), counts_today(records.c.issued_on, records.c.expires_on)))

    def held_standards(self, matched):
        # Unnested in the select list, in step: cheaper than a function scan per offering.
        records = select(matched.c.id.label("offering_id"),
                         *(func.unnest(matched.c[name]).label(part.name) for name, part in
                           zip(self.RECORD_COLUMNS, self.RECORD_PARTS))).subquery("records")
        return (select(records.c.offering_id, records.c.standard)
                .where(counts_today(records.c.issued_on, records.c.expires_on)))


FTS5, POSTGRES = Fts5Search(), PostgresSearch()


def for_session(session: AsyncSession) -> TextSearch:
    """The implementation for the database behind the session (one instance each: the statements built
    for it are cached under it)."""
    return POSTGRES if session.bind.dialect.name == "postgresql" else FTS5
