"""A record's passages (the pieces of its own text a result can show) and their sentence embeddings."""

from __future__ import annotations

import asyncio
import re

import numpy as np

from servicekit.embedding import DIMENSIONS, MODEL_NAME, MODEL_VERSION, sentence_embedder

MODEL = f"{MODEL_NAME}@{MODEL_VERSION}"
# A sentence ends at . ! or ? followed by a space and the next sentence's first letter or digit.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\w\"'(])")
# Longer sentences are cut at a word boundary: a passage is something to read at a glance.
MAX_PASSAGE_CHARS = 300
MAX_PASSAGES = 24


def sentences(text: str) -> list[str]:
    """The sentences of a text, each at most MAX_PASSAGE_CHARS, empty ones left out."""
    found = []
    for sentence in SENTENCE_END.split(text.strip()):
        sentence = " ".join(sentence.split())
        if len(sentence) > MAX_PASSAGE_CHARS:
            sentence = sentence[:MAX_PASSAGE_CHARS].rsplit(" ", 1)[0] + " …"
        if sentence:
            found.append(sentence)
    return found


def passages_of(fields: list[tuple[str, str | None]]) -> list[dict[str, str]]:
    """(field, text) pairs as passages, a field's text split into sentences, duplicates dropped."""
    seen: set[str] = set()
    passages = []
    for field, text in fields:
        for sentence in sentences(text or ""):
            if sentence.lower() not in seen:
                seen.add(sentence.lower())
                passages.append({"field": field, "text": sentence})
    return passages[:MAX_PASSAGES]


async def embed(texts: list[str]) -> np.ndarray:
    """Unit vectors, one row per text; off the event loop (the model is CPU-bound)."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return await asyncio.to_thread(sentence_embedder().embed, texts)


def to_bytes(vectors: np.ndarray) -> bytes:
    return np.ascontiguousarray(vectors, dtype=np.float32).tobytes()


def from_bytes(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=np.float32).reshape(-1, DIMENSIONS)
