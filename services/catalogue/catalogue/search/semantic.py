"""The semantic half of hybrid search: a query's words read as a buyer means them (acronyms spelt out, te
reo Māori terms with their English sense, misspelt words corrected against the catalogue's own words),
embedded, and scored against every offering's vector.

Which offerings a query finds by meaning depends on the query and the offering alone (a cosine
similarity over a threshold), as the keyword half does, so a relevance cursor stays exact; only past
`LIMIT` similar offerings are the closest kept (for a broad query the facets then count the
keyword matches and those closest in meaning).
"""

from __future__ import annotations

import asyncio
import difflib
import json
from collections import OrderedDict

import numpy as np

from catalogue.search.vectors import VectorIndex
from servicekit import embedding

# Tuned on the labelled queries (bench/search_relevance.py, figures in docs/benchmarks.md).
THRESHOLD = 0.25
LIMIT = 200
# Words buyers use that the model reads poorly: acronyms, and te reo Māori terms the model barely
# knows. The English is added to what is embedded (the keyword half keeps the words as typed).
GLOSSARY = {
    "ocr": "optical character recognition, reading scanned documents",
    "asr": "automatic speech recognition", "stt": "speech to text transcription",
    "tts": "text to speech voice", "nlp": "natural language processing",
    "llm": "large language model generative assistant", "llms": "large language models generative assistant",
    "gpt": "generative AI assistant, large language model", "genai": "generative AI",
    "rpa": "robotic process automation workflow", "ml": "machine learning", "ai": "artificial intelligence",
    "mlops": "machine learning operations platform", "cv": "computer vision", "idp": "intelligent document processing",
    "pia": "privacy impact assessment", "aia": "algorithm impact assessment", "rmf": "risk management framework",
    "bi": "business intelligence analytics", "kyc": "identity verification",
    "reo": "te reo Māori language", "kōrero": "speech, conversation, talk", "korero": "speech, conversation, talk",
    "whakamāori": "translation into te reo Māori", "whakamaori": "translation into te reo Māori",
    "whakapākehā": "translation into English", "whakapakeha": "translation into English",
    "kupu": "words, vocabulary", "pātai": "questions, enquiries", "patai": "questions, enquiries",
    "rapu": "search", "ako": "learning, training", "akoranga": "course, training", "wānanga": "workshop, learning",
    "wananga": "workshop, learning", "hui": "meeting", "tuhituhi": "writing, transcription",
    "pānui": "reading, notice", "panui": "reading, notice", "whakaahua": "image, picture",
    "matakite": "vision, foresight", "tiaki": "protect, care, assurance", "mahi": "work, workflow",
    "rangahau": "research, analysis", "matapae": "forecast, prediction", "aromatawai": "assessment, evaluation",
}
QUERY_CACHE_SIZE = 2048


def correct(terms: list[str], index: VectorIndex) -> list[str]:
    """Each word the catalogue does not hold replaced by the closest one it does (same first letter, at
    most two letters longer or shorter), so "transalation" finds translation; words the glossary
    knows, numbers and words under five letters stay as they are."""
    return [_corrected(term, index) for term in terms]


def _corrected(term: str, index: VectorIndex) -> str:
    if term in index.vocabulary or term in GLOSSARY or len(term) < 5 or term.isdigit():
        return term
    near = [word for length in range(len(term) - 2, len(term) + 3)
            for word in index.spellings.get((term[0], length), ())]
    close = difflib.get_close_matches(term, near, n=1, cutoff=0.8)
    return close[0] if close else term


def expanded(q: str, terms: list[str]) -> str:
    """The text embedded for a query: as typed, corrections and glossary senses added."""
    words = q.lower().split()
    extra = [term for term in terms if term not in words]
    extra += [GLOSSARY[word.strip(".,;:!?()")] for word in words if word.strip(".,;:!?()") in GLOSSARY]
    return q if not extra else f"{q} ({'; '.join(extra)})"


class QueryEmbedder:
    """Query vectors, the recent ones kept (a repeated query, or the next page, is not embedded again)."""

    def __init__(self, size: int = QUERY_CACHE_SIZE) -> None:
        self.size = size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    async def vector(self, text: str) -> np.ndarray:
        if (cached := self._cache.get(text)) is not None:
            self._cache.move_to_end(text)
            return cached
        vector = await asyncio.to_thread(lambda: embedding.sentence_embedder().embed_one(text))
        if self.size:
            self._cache[text] = vector
            if len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return vector


async def similar(index: VectorIndex, embedder: QueryEmbedder, q: str, terms: list[str]) -> str:
    """The offerings alike in meaning to the query, as the JSON object {offering id: similarity} the
    search statement joins on."""
    query_vector = await embedder.vector(expanded(q, terms))
    return json.dumps(index.nearest(query_vector, threshold=THRESHOLD, limit=LIMIT), separators=(",", ":"))
