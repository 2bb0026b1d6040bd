"""Offering vectors: what is embedded of an offering, where the vectors are kept, and the in-process
matrix every search scores a query against.

An offering's write queues it (`queue`, in the transaction of the change, so nothing is lost on a
restart); the service's `embed-offerings` job embeds what is queued, off the request path, and stores
each vector with the model's name and version. Vectors of another model or version are not used and
are embedded again. `python -m catalogue.search.reembed` queues every offering (after a model change).

The vectors are scored in this process, as one float32 matrix (a query against 50,000 offerings is a
matrix-vector product of a few milliseconds; figures in docs/benchmarks.md): the matrix reads only the
vectors written since it last looked (`seq` grows with every write).
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Column, Integer, LargeBinary, MetaData, String, Table, Text, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.offering.search_rows import fold
from servicekit import embedding
from servicekit.tables import UtcDateTime

VECTORS = Table(
    "catalogue_offering_vectors", MetaData(),
    Column("offering_id", String(36), primary_key=True),
    Column("model", String(120), nullable=False), Column("model_version", String(40), nullable=False),
    # What was embedded, and its hash: an unchanged text is not embedded again.
    Column("text", Text, nullable=False), Column("text_hash", String(64), nullable=False),
    Column("vector", LargeBinary, nullable=False),
    Column("seq", Integer, nullable=False, index=True),
    Column("embedded_at", UtcDateTime(timezone=True), nullable=False))
# Offerings to embed: one row per offering, however often it changed before the job came to it.
QUEUE = Table(
    "catalogue_embedding_queue", MetaData(),
    Column("offering_id", String(36), primary_key=True),
    # Written anew with every change: the job removes the row only if no change came while it embedded.
    Column("token", String(32), nullable=False))
WORD = re.compile(r"[^\W_]+")


def offering_text(name: str, summary: str, description: str, category_names: list[str]) -> str:
    """What is embedded of an offering: its words and the names of its categories."""
    return ". ".join(part.strip().rstrip(".") for part in (name, summary, description, ", ".join(category_names))
                     if part and part.strip())


def text_hash(text: str) -> str:
    return hashlib.sha256(f"{embedding.MODEL_NAME} {embedding.MODEL_VERSION}\n{text}".encode()).hexdigest()


def current_model() -> tuple[str, str]:
    return embedding.MODEL_NAME, embedding.MODEL_VERSION


@dataclass
class VectorIndex:
    """Every stored vector of the current model, as rows of one matrix, and the words they were made from
    (the vocabulary misspelt query words are corrected against)."""

    ids: list[str] = field(default_factory=list)
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, embedding.DIMENSIONS), dtype=np.float32))
    vocabulary: set[str] = field(default_factory=set)
    # The vocabulary by (first letter, length): the words a misspelling is compared with.
    spellings: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    seq: int = 0
    _rows: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __len__(self) -> int:
        return len(self.ids)

    async def refresh(self, session: AsyncSession) -> None:
        """Read the vectors written since the last look (one indexed max() when there are none)."""
        latest = (await session.execute(select(func.max(VECTORS.c.seq)))).scalar()
        if latest is None or latest <= self.seq:
            return
        model, version = current_model()
        rows = (await session.execute(
            select(VECTORS.c.offering_id, VECTORS.c.vector, VECTORS.c.text, VECTORS.c.model,
                   VECTORS.c.model_version, VECTORS.c.seq).where(VECTORS.c.seq > self.seq))).all()
        self.add([(offering_id, np.frombuffer(vector, dtype=np.float32), text) for offering_id, vector, text,
                  row_model, row_version, _ in rows if (row_model, row_version) == (model, version)],
                 max(row[-1] for row in rows))

    def add(self, rows: list[tuple[str, np.ndarray, str]], seq: int) -> None:
        """Rows (offering id, vector, text) replace those of the same offering; `seq` is the newest read."""
        with self._lock:
            new = [row for row in rows if row[0] not in self._rows]
            if new:
                start = len(self.ids)
                self.matrix = np.concatenate([self.matrix, np.zeros((len(new), embedding.DIMENSIONS), np.float32)])
                for n, (offering_id, _, _) in enumerate(new):
                    self._rows[offering_id] = start + n
                    self.ids.append(offering_id)
            for offering_id, vector, text in rows:
                self.matrix[self._rows[offering_id]] = vector
                for word in set(WORD.findall(fold(text).lower())) - self.vocabulary:
                    self.vocabulary.add(word)
                    if not word.isdigit():
                        self.spellings.setdefault((word[0], len(word)), []).append(word)
            self.seq = max(self.seq, seq)

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Cosine similarity of the query with every offering, in `ids` order."""
        return self.matrix @ query

    def nearest(self, query: np.ndarray, *, threshold: float, limit: int) -> dict[str, float]:
        """Offerings at least `threshold` alike to the query, the `limit` closest, by id; each score is
        rounded to 4 places so that the same query scores an offering the same on every page."""
        scores = self.scores(query)
        above = np.flatnonzero(scores >= threshold)
        if len(above) > limit:
            above = above[np.argpartition(-scores[above], limit - 1)[:limit]]
        return {self.ids[i]: round(float(scores[i]), 4) for i in above}
