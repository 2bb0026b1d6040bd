"""Answering a question: read its filters, keep the records they allow, rank those by the words left.

A record's score is the cosine similarity of its closest passage to the words left (embedded once, te reo
Māori words by their English gloss), plus a share for the words found in its text; the passage shown is
the one that scored best. Without words left, the records the filters allow come by name, each with its
first passage after the name. Nothing is written: every name and passage shown is a record's own text."""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from assistant.question.models import Answer, LeftOut, Passage, Question, Result, UnderstoodFilter, Without
from assistant.question.reading import FILTER_KINDS, GLOSSARY, WORD, Category, Filter, Reader, fold
from assistant.record import repository
from assistant.record.models import CategoryRecord, SearchRecord, SupplierRecord
from assistant.record.passages import from_bytes
from assistant.settings import AssistantSettings
from events.catalogue import record_counts
from servicekit.embedding import sentence_embedder
from servicekit.problems import validation_problem

PATH = "/api/v1/assistant/search"
NOTICE = ("The filters were read from your words by a machine (rules and sentence similarity, no language model) "
          "and may be wrong: check them, and set aside any that are with its `without` link. Results and passages "
          "are the records' own text.")
# What each kind of record can be checked against; a kind lacking a filter's attribute is left out.
CHECKABLE = {
    "offering": set(FILTER_KINDS),
    "course": {"category", "price", "te_reo_maori_support", "supplier_size", "maori_business"},
    "use_case": {"category", "risk_tier"},
}
# A record's score gains this much when every word left is in its text.
WORD_WEIGHT = 0.2


class PhraseVectors:
    """Embeddings of short texts, the most recently used kept: the same phrases come back with every link
    to an answer (each filter's `without`), and embedding is the costly part of reading a question."""

    def __init__(self, size: int = 4096):
        self.size = size
        self.vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self.lock = threading.Lock()

    def embed(self, texts: list[str]) -> np.ndarray:
        with self.lock:
            known = {text: self.vectors[text] for text in texts if text in self.vectors}
        missing = list(dict.fromkeys(text for text in texts if text not in known))
        if missing:
            known |= dict(zip(missing, sentence_embedder().embed(missing)))
        with self.lock:
            for text in dict.fromkeys(texts):
                self.vectors[text] = known[text]
                self.vectors.move_to_end(text)
            while len(self.vectors) > self.size:
                self.vectors.popitem(last=False)
        return np.stack([known[text] for text in texts])


PHRASES = PhraseVectors()


@dataclass(frozen=True)
class Scored:
    record: SearchRecord
    score: float
    passage: dict


async def answer(session: AsyncSession, question: Question, settings: AssistantSettings, today: date) -> Answer:
    categories = await repository.active_categories(session)
    reader = Reader([_category(row) for row in categories], PHRASES.embed,
                    similarity=settings.category_similarity, margin=settings.category_margin)
    reading = await asyncio.to_thread(reader.read, question.q, frozenset(question.ignore))
    if not reading.filters and not reading.words:
        raise validation_problem([{"field": "q", "message": "holds no words to search by (only common words such "
                                                             "as \"the\" or \"for\")"}])
    kinds = [kind for kind, checkable in CHECKABLE.items() if {f.kind for f in reading.filters} <= checkable]
    records = await repository.live_records(session, kinds)
    suppliers = await repository.suppliers(session, {r.supplier_id for r in records if r.supplier_id})
    parents = {row.id: row.parent for row in categories}
    allowed = [r for r in records if all(_holds(r, f, today, suppliers, parents) for f in reading.filters)]
    scored = await asyncio.to_thread(_rank, allowed, reading.words, settings.result_similarity)
    counts = {kind: sum(1 for s in scored if s.record.kind == kind) for kind in CHECKABLE}
    return Answer(
        q=question.q, notice=NOTICE, filters=[_understood(f, question) for f in reading.filters],
        ignored=sorted(question.ignore), words=reading.words, total=len(scored), counts=counts,
        left_out=[LeftOut(kind=kind, filters=[f.kind for f in reading.filters if f.kind not in CHECKABLE[kind]])
                  for kind in CHECKABLE if kind not in kinds],
        results=[Result(kind=s.record.kind, id=s.record.source_id, name=s.record.name, link=s.record.link,
                        score=round(s.score, 4), passage=Passage(**s.passage)) for s in scored[:question.limit]])


def _category(row: CategoryRecord) -> Category:
    return Category(row.id, row.axis, row.name, row.parent, from_bytes(row.vector)[0])


def _understood(found: Filter, question: Question) -> UnderstoodFilter:
    ignore = sorted({*question.ignore, found.kind})
    query = urlencode([("q", question.q), *(("ignore", kind) for kind in ignore), ("limit", question.limit)])
    return UnderstoodFilter(kind=found.kind, value=found.value, label=found.label, phrase=found.phrase,
                            read_by=found.read_by, similarity=found.similarity,
                            without=Without(href=f"{PATH}?{query}", ignore=ignore))


def _within(code: str, wanted: list[str], parents: dict[str, str | None]) -> bool:
    """The code is one of the wanted categories or below one of them."""
    seen = set()
    while code and code not in seen:
        if code in wanted:
            return True
        seen.add(code)
        code = parents.get(code)
    return False


def _holds(record: SearchRecord, found: Filter, today: date, suppliers: dict[str, SupplierRecord],
           parents: dict[str, str | None]) -> bool:
    """Whether the record meets the filter (a kind that cannot be checked was left out before)."""
    value = found.value
    supplier = suppliers.get(record.supplier_id or "")
    match found.kind:
        case "category":
            return any(_within(code, value, parents) for code in record.categories)
        case "engagement_type":
            return record.engagement_type in value
        case "data_residency":
            return record.data_residency in value
        case "risk_tier":
            return record.risk_tier in value
        case "te_reo_maori_support":
            return bool(record.te_reo_maori_support)
        case "price":
            low, high = value["min"], value["max"]
            return ((high is None or record.price_min is not None and record.price_min <= high)
                    and (low is None or record.price_max is not None and record.price_max >= low))
        case "certification":
            return any(r["standard"] in value and record_counts(r, today) for r in record.assurance)
        case "supplier_size":
            return supplier is not None and supplier.size in value
        case "maori_business":
            return supplier is not None and supplier.maori_business
    return False


def _terms(text: str) -> set[str]:
    """Folded words, a plural's s dropped, so "letters" finds "letter"."""
    return {word[:-1] if len(word) > 3 and word.endswith("s") else word for word in WORD.findall(fold(text))}


def _rank(records: list[SearchRecord], words: list[str], threshold: float) -> list[Scored]:
    if not words:
        return [Scored(r, 0.0, next((p for p in r.passages if p["field"] != "name"), r.passages[0]))
                for r in sorted(records, key=lambda r: (r.name.lower(), r.id))]
    query = " ".join(GLOSSARY.get(fold(word), word) for word in words)
    vector = PHRASES.embed([query])[0]
    wanted = _terms(" ".join(words))
    scored = []
    for record in records:
        similarity = from_bytes(record.vectors) @ vector
        found = [wanted & _terms(p["text"]) for p in record.passages]
        in_record = set().union(*found) if found else set()
        blended = similarity + WORD_WEIGHT * np.array([len(f) / len(wanted) for f in found])
        best = int(np.argmax(blended))
        if similarity.max() >= threshold or in_record:
            score = float(similarity[best]) + WORD_WEIGHT * len(in_record) / len(wanted)
            scored.append(Scored(record, score, record.passages[best]))
    return sorted(scored, key=lambda s: (-s.score, s.record.name.lower(), s.record.id))
