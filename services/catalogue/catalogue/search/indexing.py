"""Embedding offerings off the request path: every write of an offering queues it, in its own
transaction (`queue`), and the `embed-offerings` job embeds what is queued in small batches, waking when
a write commits. The queue is a table, so a restart loses nothing; an offering whose text (and model)
has not changed since its vector was made is taken off the queue without embedding it again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timezone

import numpy as np
from fastapi import FastAPI
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.category.models import Category
from catalogue.offering.models import Offering
from catalogue.offering.search_rows import EMBED_SIGNAL, queue_for_embedding
from catalogue.search.vectors import QUEUE, VECTORS, current_model, offering_text, text_hash
from servicekit import embedding
from servicekit.db import Database

log = logging.getLogger("catalogue.search.indexing")
BATCH = 16
# How long the job sleeps when nothing woke it: a write in another process of the service (or one that
# committed while the job was busy) is picked up by then.
IDLE_SECONDS = 5.0


def _upsert(session: AsyncSession, table, values: dict, key: str):
    dialect = session.bind.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table).values(**values)
    return statement.on_conflict_do_update(index_elements=[key], set_={
        name: statement.excluded[name] for name in values if name != key})


async def queue_everything(session: AsyncSession) -> int:
    """Queue every offering (after a model change, or to repair); returns how many."""
    ids = list((await session.execute(select(Offering.id))).scalars())
    for start in range(0, len(ids), 1000):
        await queue_for_embedding(session, ids[start:start + 1000])
    return len(ids)


async def _texts(session: AsyncSession, offering_ids: list[str]) -> dict[str, str]:
    """The text to embed of each offering that still exists."""
    names = dict((await session.execute(select(Category.code, Category.name))).all())
    rows = (await session.execute(select(Offering.id, Offering.name, Offering.summary, Offering.description,
                                         Offering.categories).where(Offering.id.in_(offering_ids)))).all()
    return {row.id: offering_text(row.name, row.summary, row.description,
                                  [names.get(code, code) for code in row.categories]) for row in rows}


async def embed_queued(database: Database, embed: Callable[[list[str]], np.ndarray], *,
                       batch: int = BATCH) -> int:
    """Embed up to `batch` queued offerings and store their vectors; returns how many were taken off the
    queue (0 when it is empty). `embed` runs in a thread: it takes most of a second per text here."""
    async with database.transaction() as session:
        queued = dict((await session.execute(select(QUEUE.c.offering_id, QUEUE.c.token).limit(batch))).all())
        if not queued:
            return 0
        texts = await _texts(session, list(queued))
        model, version = current_model()
        stored = dict((await session.execute(select(VECTORS.c.offering_id, VECTORS.c.text_hash).where(
            VECTORS.c.offering_id.in_(list(texts)), VECTORS.c.model == model,
            VECTORS.c.model_version == version))).all())
    changed = {offering_id: text for offering_id, text in texts.items() if stored.get(offering_id) != text_hash(text)}
    vectors = await asyncio.to_thread(embed, list(changed.values())) if changed else None
    async with database.transaction() as session:
        if changed:
            await store(session, list(changed), list(changed.values()), vectors)
        for offering_id, token in queued.items():  # a change made meanwhile stays queued
            await session.execute(delete(QUEUE).where(QUEUE.c.offering_id == offering_id, QUEUE.c.token == token))
    return len(queued)


async def store(session: AsyncSession, offering_ids: list[str], texts: list[str], vectors: np.ndarray) -> None:
    """Store the offerings' vectors (replacing any older ones), each a newer `seq` than any before."""
    model, version = current_model()
    seq = (await session.execute(select(func.coalesce(func.max(VECTORS.c.seq), 0)))).scalar()
    now = datetime.now(timezone.utc)
    for n, (offering_id, text) in enumerate(zip(offering_ids, texts)):
        await session.execute(_upsert(session, VECTORS, {
            "offering_id": offering_id, "model": model, "model_version": version, "text": text,
            "text_hash": text_hash(text), "vector": np.asarray(vectors[n], dtype=np.float32).tobytes(),
            "seq": seq + n + 1, "embedded_at": now}, "offering_id"))


def embed_texts(texts: list[str]) -> np.ndarray:
    return embedding.sentence_embedder().embed(texts)


async def embed_offerings(app: FastAPI) -> None:
    """The job: embed while anything is queued, then wait for a write to commit (or IDLE_SECONDS)."""
    database: Database = app.state.database
    wake = database.signal(EMBED_SIGNAL)
    while True:
        wake.clear()
        while await embed_queued(database, embed_texts):
            pass
        try:
            await asyncio.wait_for(wake.wait(), IDLE_SECONDS)
        except TimeoutError:
            pass
