"""Full-text matching over name, summary and description: one interface, one implementation per database.

Both score relevance from the offering and the query alone, never from statistics of the whole
catalogue (as FTS5's bm25 does), so an offering's score does not move while others are published or
suspended, and a relevance cursor stays exact between pages.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Protocol

from sqlalchemy import Float, Integer, column, func, literal_column, select, table, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from catalogue.offering.models import Offering

MAX_TERMS = 12
WORD = re.compile(r"\w+")


def terms_of(q: str) -> list[str]:
    """The words of a query, lower case and without diacritics (Māori matches maori)."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", q) if not unicodedata.combining(c))
    return WORD.findall(folded.lower())[:MAX_TERMS]


class TextSearch(Protocol):
    """Which offerings match the words, and how well."""

    def matches(self, terms: list[str]) -> ColumnElement[bool]:
        """A condition on `catalogue_offerings` true for offerings holding every word (the last as a prefix)."""

    def relevance(self, terms: list[str]) -> ColumnElement[float]:
        """A score per offering, higher is better; only meaningful where `matches` holds."""


TEXT = table("catalogue_offering_text", column("rowid"))
KEYS = table("catalogue_offering_text_keys", column("key"), column("offering_id"))
# Weights of a match in each field: a word in the name counts most.
FIELD_WEIGHTS = {"name": 4, "summary": 2, "description": 1}


class Fts5Search:
    """SQLite FTS5 (porter stemming, diacritics folded). Relevance is the weighted sum of the fields
    that hold every word."""

    @staticmethod
    def _expression(terms: list[str]) -> str:
        quoted = [f'"{term}"' for term in terms]
        quoted[-1] += "*"
        return " ".join(quoted)

    def _matching_ids(self, expression: str):
        return (select(KEYS.c.offering_id).select_from(KEYS.join(TEXT, TEXT.c.rowid == KEYS.c.key))
                .where(literal_column("catalogue_offering_text").op("MATCH")(expression)))

    def matches(self, terms: list[str]) -> ColumnElement[bool]:
        return Offering.id.in_(self._matching_ids(self._expression(terms)))

    def relevance(self, terms: list[str]) -> ColumnElement[float]:
        expression = self._expression(terms)
        score = sum(weight * type_coerce(Offering.id.in_(self._matching_ids(f"{field} : ({expression})")), Integer)
                    for field, weight in FIELD_WEIGHTS.items())
        return type_coerce(score, Float)


class PostgresSearch:
    """PostgreSQL full-text search over the `search_vector` column (name weight A, summary B,
    description D; kept by a trigger); relevance is ts_rank."""

    VECTOR = literal_column("catalogue_offerings.search_vector")

    @staticmethod
    def _query(terms: list[str]):
        return func.to_tsquery("english", " & ".join(terms) + ":*")

    def matches(self, terms: list[str]) -> ColumnElement[bool]:
        return self.VECTOR.op("@@")(self._query(terms))

    def relevance(self, terms: list[str]) -> ColumnElement[float]:
        return func.ts_rank(self.VECTOR, self._query(terms), type_=Float)


def for_session(session: AsyncSession) -> TextSearch:
    """The implementation for the database behind the session."""
    return PostgresSearch() if session.bind.dialect.name == "postgresql" else Fts5Search()
