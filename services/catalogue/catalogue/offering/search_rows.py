"""Keeps what search reads in step with an offering, in the transaction of the change itself.

The rules live here once, in Python, for both databases: which text is searched (folded to plain
letters, so Māori matches maori), which filter values the full-text index holds as tokens, and which
assurance records count. The SQL below only stores what the rules give: on SQLite the FTS5 row, the
narrow search row and the records that count; on PostgreSQL the search row with its vector. Every write of
an offering calls `reindex`; `rebuild` writes every offering's rows again (the migration that moved
these rules out of the database, a bulk load, or after a rule changed).
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import Date, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import TextClause

from catalogue.offering.models import Offering
from events.catalogue import record_counts
from servicekit.db import wake_on_commit

CATEGORY_COLUMNS = ("category_1", "category_2", "category_3")
# What the rules read of an offering's row.
SOURCE_COLUMNS = ("id", "name", "summary", "description", "engagement_type", "residency_region", "risk_tier",
                  "te_reo_maori_support", *CATEGORY_COLUMNS, "assurance_records")
# The columns of the narrow search row, copied from the offering as they are.
ROW_COLUMNS = ("id", "status", "supplier_id", "engagement_type", "residency_region", "risk_tier",
               "te_reo_maori_support", "price_min_nzd", "price_max_nzd", *CATEGORY_COLUMNS, "name", "updated_at",
               "created_at")


# How text and filter values are spelled in the index; search (catalogue.search.text) spells the words and
# filters it asks for with the same functions.
def fold(words: str) -> str:
    """Text without diacritics (Māori reads maori): what is indexed and what is asked are folded alike."""
    return "".join(c for c in unicodedata.normalize("NFKD", words) if not unicodedata.combining(c))


def tag(prefix: str, value: str) -> str:
    """A filter value as one FTS5 token (letters and digits only, so the tokenizer keeps it whole)."""
    return prefix + re.sub(r"[.\-_]", "", value.lower()) + "x"


def fact(kind: str, value: str) -> str:
    """A filter value as a lexeme of the vector; the parser never makes a lexeme that starts with '~', so no
    word or word prefix can match one."""
    return f"~{kind}~{value}"


def filter_columns(offering: Offering) -> None:
    """The offering's flat filter columns, from its nested parts."""
    offering.residency_region = offering.data_residency["region"]
    offering.price_min_nzd = offering.pricing["min_nzd"]
    offering.price_max_nzd = offering.pricing["max_nzd"]
    codes = list(offering.categories)[:len(CATEGORY_COLUMNS)]
    for column, code in zip(CATEGORY_COLUMNS, codes + [None] * (len(CATEGORY_COLUMNS) - len(codes))):
        setattr(offering, column, code)


# The rules.

def searched_text(offering: Mapping[str, Any]) -> dict[str, str]:
    """The text matched by words, per field (the name weighs most, then the summary)."""
    return {field: fold(offering[field] or "") for field in ("name", "summary", "description")}


def active_records(offering: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The assurance records search may count (active and verified: events.catalogue.record_counts), in the
    offering's order; whether one is in date is checked against each query's day by the search itself."""
    return [{"position": position, "standard": record["standard"],
             "issued_on": date.fromisoformat(str(record["issued_on"])),
             "expires_on": date.fromisoformat(str(record["expires_on"]))}
            for position, record in enumerate(offering["assurance_records"] or []) if record_counts(record)]


def facts(offering: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The filter values the full-text index holds, as (kind, value): kinds as in `text.INDEXED`."""
    found = [("en", offering["engagement_type"]), ("re", offering["residency_region"]), ("ri", offering["risk_tier"]),
             ("tr", "yes" if offering["te_reo_maori_support"] else "no"),
             *(("ca", offering[column]) for column in CATEGORY_COLUMNS),
             *(("cf", record["standard"]) for record in active_records(offering))]
    return [(kind, value) for kind, value in found if value]


# SQLite: FTS5 wants a stable integer key; each offering gets the next one the first time it is indexed.
_KEY_OF = "(SELECT search_key FROM catalogue_offerings WHERE id = :id)"
SQLITE_STATEMENTS = {
    "key": text("UPDATE catalogue_offerings SET search_key = (SELECT coalesce(max(search_key), 0) + 1 "
                "FROM catalogue_offerings) WHERE id = :id AND search_key IS NULL"),
    "text_out": text(f"DELETE FROM catalogue_offering_text WHERE rowid = {_KEY_OF}"),
    "text_in": text("INSERT INTO catalogue_offering_text (rowid, name, summary, description, facts) "
                    "SELECT search_key, :name, :summary, :description, :facts FROM catalogue_offerings WHERE id = :id"),
    "row": text(f"INSERT INTO catalogue_offering_search (search_key, {', '.join(ROW_COLUMNS)}) "
                f"SELECT search_key, {', '.join(ROW_COLUMNS)} FROM catalogue_offerings WHERE id = :id "
                f"ON CONFLICT (search_key) DO UPDATE SET "
                + ", ".join(f"{c} = excluded.{c}" for c in ROW_COLUMNS)),
    "records_out": text(f"DELETE FROM catalogue_offering_records WHERE search_key = {_KEY_OF}"),
    "records_in": text("INSERT INTO catalogue_offering_records (search_key, position, standard, issued_on, "
                       "expires_on) SELECT search_key, :position, :standard, :issued_on, :expires_on "
                       "FROM catalogue_offerings WHERE id = :id").bindparams(
        bindparam("issued_on", type_=Date), bindparam("expires_on", type_=Date)),
}
# PostgreSQL: the words weigh A (name), B (summary) and D (description); the facts are lexemes of their own.
POSTGRES_STATEMENT = text(
    f"INSERT INTO catalogue_offering_search ({', '.join(ROW_COLUMNS)}, search_vector, active_standards, "
    f"active_issued_on, active_expires_on) "
    f"SELECT {', '.join(ROW_COLUMNS)}, setweight(to_tsvector('english', :name), 'A') || "
    f"setweight(to_tsvector('english', :summary), 'B') || setweight(to_tsvector('english', :description), 'D') || "
    f"array_to_tsvector(CAST(:facts AS text[])), CAST(:standards AS varchar[]), CAST(:issued_on AS date[]), "
    f"CAST(:expires_on AS date[]) FROM catalogue_offerings WHERE id = :id "
    f"ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in (*ROW_COLUMNS[1:], "search_vector", "active_standards",
                                                 "active_issued_on", "active_expires_on")))


def statements(dialect: str, offerings: Iterable[Mapping[str, Any]]) -> list[tuple[TextClause, list[dict]]]:
    """The statements that store the offerings' search rows, each with its parameter sets (run in order)."""
    offerings = list(offerings)
    if dialect == "postgresql":
        return [(POSTGRES_STATEMENT, [_postgres_values(o) for o in offerings])]
    ids = [{"id": o["id"]} for o in offerings]
    texts = [{"id": o["id"], **searched_text(o), "facts": " ".join(tag(k, v) for k, v in facts(o))} for o in offerings]
    records = [{"id": o["id"], **record} for o in offerings for record in active_records(o)]
    return [(SQLITE_STATEMENTS["key"], ids), (SQLITE_STATEMENTS["text_out"], ids),
            (SQLITE_STATEMENTS["text_in"], texts), (SQLITE_STATEMENTS["row"], ids),
            (SQLITE_STATEMENTS["records_out"], ids), (SQLITE_STATEMENTS["records_in"], records)]


def _postgres_values(offering: Mapping[str, Any]) -> dict[str, Any]:
    records = active_records(offering)
    return {"id": offering["id"], **searched_text(offering), "facts": [fact(k, v) for k, v in facts(offering)],
            "standards": [r["standard"] for r in records], "issued_on": [r["issued_on"] for r in records],
            "expires_on": [r["expires_on"] for r in records]}


# Offerings whose vector may be out of date, embedded off the request path (catalogue.search.indexing): the
# token changes with every write, so a change made while the offering was being embedded stays queued.
EMBEDDING_QUEUE = text("INSERT INTO catalogue_embedding_queue (offering_id, token) VALUES (:id, :token) "
                       "ON CONFLICT (offering_id) DO UPDATE SET token = excluded.token")
EMBED_SIGNAL = "embed-offerings"


async def queue_for_embedding(session: AsyncSession, offering_ids: list[str]) -> None:
    """Queue offerings for embedding in the caller's transaction; the embedding job wakes when it commits."""
    if offering_ids:
        await session.execute(EMBEDDING_QUEUE, [{"id": i, "token": uuid.uuid4().hex} for i in offering_ids])
        wake_on_commit(session, EMBED_SIGNAL)


async def reindex(session: AsyncSession, offering: Offering) -> None:
    """Store the offering's search rows as it is now (after its row is written, in the same transaction),
    and queue it to be embedded again."""
    await session.flush()
    source = {column: getattr(offering, column) for column in SOURCE_COLUMNS}
    for statement, parameters in statements(session.bind.dialect.name, [source]):
        if parameters:
            await session.execute(statement, parameters)
    await queue_for_embedding(session, [offering.id])


OFFERINGS = Offering.__table__
SOURCE = select(*(OFFERINGS.c[column] for column in SOURCE_COLUMNS)).order_by(OFFERINGS.c.created_at, OFFERINGS.c.id)
BATCH = 2000


def rebuild(connection) -> int:
    """Write every offering's search rows again, on a synchronous connection (a migration, or
    `AsyncConnection.run_sync`); returns how many offerings were indexed."""
    rows = [dict(row) for row in connection.execute(SOURCE).mappings()]
    for start in range(0, len(rows), BATCH):
        for statement, parameters in statements(connection.dialect.name, rows[start:start + BATCH]):
            if parameters:
                connection.execute(statement, parameters)
    return len(rows)
