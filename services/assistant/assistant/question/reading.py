"""Reading a buyer's sentence: which filters it states, and which words are left to search by.

Rules (regular expressions over the sentence, macrons folded) read the filters with a closed set of
values: prices, certifications, Māori business, te reo Māori support, data residency, risk tier,
supplier size and engagement type. What is left is matched to the solution categories by meaning: each
phrase of one or two of the remaining words is embedded and compared with every category's name, and a
phrase close enough to one category (and clearly closer to it than to any other) becomes a category
filter. Every filter keeps the words it was read from, so the answer can show them and the caller can
set the filter aside (`ignore`), which gives its words back to the search.

Nothing here calls a language model: a sentence outside these rules reads as words to search by.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from servicekit.words import ENGLISH_STOP_WORDS

# Kinds whose value is a list of alternatives (any of them will do); the others hold one value.
LIST_KINDS = frozenset({"category", "data_residency", "risk_tier", "certification", "engagement_type",
                        "supplier_size"})
FILTER_KINDS = ("category", "data_residency", "te_reo_maori_support", "risk_tier", "price", "certification",
                "engagement_type", "supplier_size", "maori_business")

# Common words that say nothing about what is wanted (the English stop words, and the words of a request).
STOP_WORDS = ENGLISH_STOP_WORDS | frozenset("""
    want wants need needs needed looking look find show give get please something someone one ones us also
    would could may might must able thing things kind sort provide provides offer offers offering offerings
    solution solutions tool tools product products service services supplier suppliers company
    ai artificial intelligence
    """.split())
WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


def fold(text: str) -> str:
    """Lower case with macrons and other accents dropped, one character for one: spans found in the folded
    text are the same spans of the original."""
    return "".join(unicodedata.normalize("NFD", ch)[0] for ch in text).lower()


# ---- the rules -------------------------------------------------------------------------------------------

AMOUNT = r"(?:nzd\s*)?\$?\s*(\d[\d,]*(?:\.\d+)?)\s*(k|m|thousand|million)?\b(?:\s*(?:nzd|dollars))?"
MULTIPLIERS = {None: 1, "": 1, "k": 1_000, "thousand": 1_000, "m": 1_000_000, "million": 1_000_000}
UPPER_CUES = r"under|below|less than|lower than|cheaper than|up to|at most|no more than|not more than|max(?:imum)?|within|budget(?: of)?"
LOWER_CUES = r"over|above|more than|at least|no less than|min(?:imum)?|from|starting at"
# A number starts where no other word or number runs into it.
PRICE_RANGE = re.compile(rf"(?<![\w.,$])(?:(?:between|from)\s+)?{AMOUNT}\s*(?:-|–|to|and)\s*{AMOUNT}")
PRICE_BOUND = re.compile(rf"\b({UPPER_CUES}|{LOWER_CUES})\s+{AMOUNT}")
YEAR = re.compile(r"(?:19|20)\d\d")
UPPER = re.compile(rf"^(?:{UPPER_CUES})$")


def _amount(number: str, unit: str | None) -> float:
    return float(number.replace(",", "")) * MULTIPLIERS[unit]


def _is_price(match: re.Match, *groups: int) -> bool:
    """A number is a price when it says so ($, NZD, dollars, k or million), or is a sum of money's size and
    not a year."""
    text = match.group(0)
    return ("$" in text or "nzd" in text or "dollar" in text or any(match.group(g + 1) for g in groups)
            or any(_amount(match.group(g), None) >= 100 and not YEAR.fullmatch(match.group(g)) for g in groups))


@dataclass(frozen=True)
class Rule:
    """A pattern and what a match of it means; `value` may read the match."""

    kind: str
    pattern: re.Pattern
    value: Callable[[re.Match], Any]
    label: Callable[[Any], str]


def _rule(kind: str, pattern: str, value: Any, label: str) -> Rule:
    return Rule(kind, re.compile(pattern), lambda _match: value, lambda _value: label)


RISK = {"low": "minimal", "lower": "minimal", "minimal": "minimal", "minimum": "minimal", "very low": "minimal",
        "limited": "limited", "medium": "limited", "moderate": "limited", "high": "high", "higher": "high"}
CERTIFICATE_WORDS = r"(?:[\s-]+(?:certified|certification|certificate|accredited|accreditation|compliant|compliance))?"
NZ = r"(?:new zealand|aotearoa|nz)"
HOSTED = r"(?:hosted|hosting|stored|storing|kept|held|located|resident|residing|housed|data|run|runs|running)"
SIZE_NOUNS = r"(?:business(?:es)?|suppliers?|compan(?:y|ies)|firms?|vendors?|providers?|enterprises?|outfits?)"
SIZES = {"micro": ["micro"], "small": ["small"], "medium": ["medium"], "large": ["large"], "big": ["large"],
         "sme": ["small", "medium"], "smes": ["small", "medium"], "startup": ["micro", "small"],
         "start-up": ["micro", "small"], "startups": ["micro", "small"]}
CERTIFICATIONS = {
    "iso_iec_42001": "ISO/IEC 42001", "iso_iec_27001": "ISO/IEC 27001", "csa_star": "CSA STAR",
    "iso_iec_27701": "ISO/IEC 27701", "iso_iec_27017": "ISO/IEC 27017", "iso_iec_27018": "ISO/IEC 27018",
    "soc_2": "SOC 2", "irap": "IRAP",
    "nzism_certification_accreditation": "NZISM certification and accreditation",
    "privacy_impact_assessment": "a privacy impact assessment", "algorithm_impact_assessment":
        "an algorithm impact assessment", "nist_ai_rmf": "the NIST AI Risk Management Framework"}
# Engagement types by the words buyers use for them (the taxonomy's codes; a code the catalogue does
# not have is never offered as a filter).
ENGAGEMENT = [
    (r"software as a service|saas|subscriptions?|licen[cs](?:e|es|ed|ing)", "engagement.licensing-saas"),
    (r"managed services?|fully managed|ongoing support|support contract", "engagement.managed-service"),
    (r"advisory|advice|advisers?|advisors?|consult(?:ing|ancy|ants?)|discovery|strategy work",
     "engagement.discovery-advisory"),
    (r"implementation|implement(?:ed|ing)?|integration|customi[sz](?:ation|ed|ing)|build(?:ing)? it",
     "engagement.implementation"),
    (r"end[\s-]to[\s-]end(?: partner(?:ship)?)?|long[\s-]term partner(?:ship)?|strategic partner(?:ship)?",
     "engagement.end-to-end-partnership"),
]

RULES: list[Rule] = [
    # Māori business before te reo: "Māori-owned" is about the supplier, not the language.
    _rule("maori_business", r"\b(?:maori[\s-]*(?:owned|led|run)(?:\s+" + SIZE_NOUNS + r")?|maori\s+" + SIZE_NOUNS
          + r"|kaupapa maori\s+" + SIZE_NOUNS + r"|pakihi maori)\b", True, "a Māori business"),
    *(_rule("certification", rf"\b{pattern}{CERTIFICATE_WORDS}\b", code, CERTIFICATIONS[code]) for pattern, code in [
        (r"iso\s*(?:/\s*iec\s*)?42001", "iso_iec_42001"), (r"iso\s*(?:/\s*iec\s*)?27001", "iso_iec_27001"),
        (r"iso\s*(?:/\s*iec\s*)?27701", "iso_iec_27701"), (r"iso\s*(?:/\s*iec\s*)?27017", "iso_iec_27017"),
        (r"iso\s*(?:/\s*iec\s*)?27018", "iso_iec_27018"), (r"soc\s*(?:2|ii)(?:\s*type\s*(?:1|2|i|ii))?", "soc_2"),
        (r"irap", "irap"), (r"csa\s*star", "csa_star"), (r"nzism", "nzism_certification_accreditation"),
        (r"(?:privacy impact assessment|pia)", "privacy_impact_assessment"),
        (r"(?:algorithm(?:ic)? impact assessment|aia)", "algorithm_impact_assessment"),
        (r"nist(?:\s+ai)?(?:\s+rmf|\s+risk management framework)?", "nist_ai_rmf")]),
    # te reo Māori: "te reo", "reo Māori", "kōrero Māori", "whakamāori" (to translate into Māori).
    _rule("te_reo_maori_support",
          r"\b(?:(?:speaks?|speaking|spoken|understands?|supports?|supporting|in|with|handles?)\s+)?"
          r"(?:te\s+reo(?:\s+maori)?|reo(?:\s+maori)?|korero(?:\s+maori)?|whakamaori|maori\s+(?:language|speech|speakers?)"
          r"|(?:in|speaks?|speaking)\s+maori|bilingual)\b", True, "supports te reo Māori"),
    _rule("data_residency", rf"\b(?:{HOSTED}\s+(?:(?:only|solely|entirely|wholly)\s+)?(?:in|within|inside|on)\s+(?:the\s+)?{NZ}"
          rf"|{NZ}[\s-]+(?:hosted|hosting|based|data|residency|resident|only|cloud|data cent(?:re|er)s?)"
          rf"|onshore|on[\s-]shore|in\s+{NZ})\b", "new_zealand", "data kept in New Zealand"),
    _rule("data_residency", rf"\b(?:{HOSTED}\s+(?:(?:only|solely|entirely)\s+)?(?:in|within|inside)\s+australia"
          r"|australia[n]?[\s-]+(?:hosted|hosting|based|data|residency|cloud|data cent(?:re|er)s?)|in\s+australia)\b",
          "australia", "data kept in Australia"),
    Rule("risk_tier", re.compile(r"\b(very low|low|lower|minimal|minimum|limited|medium|moderate|high|higher)"
                                 r"[\s-]+risk(?:\s+(?:tier|level|rating))?\b"
                                 r"|\brisk\s+(?:tier|level|rating)\s+(?:of\s+)?(minimal|limited|high|low)\b"),
         lambda match: RISK[match.group(1) or match.group(2)], lambda tier: f"{tier} risk tier"),
    Rule("supplier_size", re.compile(rf"\b(micro|small|medium|large|big)(?:[\s-]+sized?)?[\s-]+{SIZE_NOUNS}\b"
                                     r"|\b(smes?|start[\s-]?ups?)\b"),
         lambda match: SIZES[(match.group(1) or match.group(2)).replace(" ", "-")],
         lambda sizes: " or ".join(sizes) + " supplier"),
    *(_rule("engagement_type", rf"\b(?:{pattern})\b", code, code) for pattern, code in ENGAGEMENT),
]

MAX_CATEGORY_WORDS = 24
# te reo Māori words with the English a category is matched by (whakamāori and kōrero also state te reo
# support above; their meaning still counts for the category).
GLOSSARY = {"whakamaori": "translation", "tuhinga": "documents", "whakarapopoto": "summarise",
            "patai": "questions", "akoranga": "training course", "ako": "training", "whakaahua": "images",
            "matapae": "forecasting", "tatari": "analytics", "kaiawhina": "assistant", "rorohiko": "software",
            "raraunga": "data"}


# ---- what a reading is -------------------------------------------------------------------------------------

@dataclass
class Filter:
    """One filter read from the sentence: its kind, its value, and the words (as written) it came from."""

    kind: str
    value: Any
    label: str
    phrase: str
    read_by: str  # "rule" or "meaning" (an embedding's similarity)
    similarity: float | None = None


@dataclass
class Reading:
    filters: list[Filter] = field(default_factory=list)
    # The words left to search by, as written, in order (stop words left out).
    words: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def of(self, kind: str) -> list[Filter]:
        return [f for f in self.filters if f.kind == kind]


@dataclass(frozen=True)
class Category:
    """A category as the reader matches it: its code, axis, name, parent and the embedding of its name."""

    code: str
    axis: str
    name: str
    parent: str | None
    vector: np.ndarray


Embed = Callable[[list[str]], np.ndarray]


class Reader:
    """Reads sentences against the categories that exist, with the embedding function given."""

    def __init__(self, categories: list[Category], embed: Embed, *, similarity: float, margin: float):
        self.solutions = [c for c in categories if c.axis == "solution"]
        self.codes = {c.code: c for c in categories}
        self.embed = embed
        self.similarity = similarity
        self.margin = margin

    def read(self, sentence: str, ignore: frozenset[str] = frozenset()) -> Reading:
        text = unicodedata.normalize("NFC", sentence)
        folded = fold(text)
        free = bytearray(b"\x01" * len(text))  # 1 where a character is not yet part of a filter
        reading = Reading(ignored=sorted(ignore))
        glosses: list[tuple[str, str, tuple[int, int]]] = []
        self._read_prices(text, folded, free, reading, ignore)
        for rule in RULES:
            for match in rule.pattern.finditer(folded):
                if rule.kind in ignore or not all(free[match.start():match.end()]):
                    continue
                value = rule.value(match)
                if rule.kind == "engagement_type" and value not in self.codes:
                    continue
                label = self.codes[value].name if rule.kind == "engagement_type" else rule.label(value)
                self._take(reading, Filter(rule.kind, value, label, text[match.start():match.end()], "rule"),
                           free, match.span())
                glosses += [(GLOSSARY[w], text[match.start():match.end()], match.span())
                            for w in WORD.findall(match.group(0)) if w in GLOSSARY]
        words = [(m.group(0), m.span()) for m in WORD.finditer(text)
                 if all(free[m.start():m.end()]) and fold(m.group(0)) not in STOP_WORDS]
        if "category" not in ignore:
            words = self._read_categories(words, glosses, reading, text)
        reading.words = [word for word, _span in words]
        return reading

    @staticmethod
    def _take(reading: Reading, found: Filter, free: bytearray | None = None, span: tuple[int, int] | None = None) -> None:
        """Add the filter, or add its values to the filter of its kind read before (values of one kind are
        alternatives), and mark its words as used."""
        if found.kind in LIST_KINDS and not isinstance(found.value, list):
            found.value = [found.value]
        same = next((f for f in reading.filters if f.kind == found.kind), None)
        if same is None:
            reading.filters.append(found)
        elif found.kind in LIST_KINDS and set(found.value) - set(same.value):
            same.value += [v for v in found.value if v not in same.value]
            same.label += f"; {found.label}"
            same.phrase += f"; {found.phrase}"
        if free is not None and span is not None:
            free[span[0]:span[1]] = b"\x00" * (span[1] - span[0])

    def _read_prices(self, text: str, folded: str, free: bytearray, reading: Reading, ignore: frozenset[str]) -> None:
        if "price" in ignore:
            return
        low: float | None = None
        high: float | None = None
        phrases = []
        for match in PRICE_RANGE.finditer(folded):
            if _is_price(match, 1, 3):
                low, high = sorted((_amount(match.group(1), match.group(2)), _amount(match.group(3), match.group(4))))
                phrases.append(match.span())
                free[match.start():match.end()] = b"\x00" * (match.end() - match.start())
        for match in PRICE_BOUND.finditer(folded):
            if all(free[match.start():match.end()]) and _is_price(match, 2):
                amount = _amount(match.group(2), match.group(3))
                if UPPER.match(match.group(1)):
                    high = amount
                else:
                    low = amount
                phrases.append(match.span())
                free[match.start():match.end()] = b"\x00" * (match.end() - match.start())
        if phrases:
            value = {"min": low, "max": high}
            phrase = "; ".join(text[start:end].strip() for start, end in sorted(phrases))
            reading.filters.append(Filter("price", value, _price_label(low, high), phrase, "rule"))

    def _read_categories(self, words: list[tuple[str, tuple[int, int]]], glosses: list[tuple[str, str, tuple]],
                         reading: Reading, text: str) -> list[tuple[str, tuple[int, int]]]:
        """Match phrases of one or two neighbouring words (and te reo words' glosses) to the solution
        categories by meaning, the closest first; return the words no category took."""
        if not self.solutions or not (words or glosses):
            return words
        # Phrases of the first words only: a long sentence would otherwise embed hundreds of them.
        considered = words[:MAX_CATEGORY_WORDS]
        candidates = []  # (phrase text to embed, phrase as written, indexes of the words it spans)
        for size in (2, 1):
            for start in range(len(considered) - size + 1):
                run = considered[start:start + size]
                if all(run[i + 1][1][0] - run[i][1][1] <= 4 for i in range(size - 1)):  # neighbours, not far apart
                    written = text[run[0][1][0]:run[-1][1][1]]
                    meaning = " ".join(GLOSSARY.get(fold(w), w) for w, _ in run)
                    candidates.append((meaning, written, set(range(start, start + size))))
        candidates += [(gloss, written, set()) for gloss, written, _span in glosses]
        scores = self.embed([c[0] for c in candidates]) @ np.stack([c.vector for c in self.solutions]).T
        taken: set[int] = set()
        chosen: set[str] = set()
        for index in np.argsort(-scores.max(axis=1)):
            phrase, written, spans = candidates[index]
            best = int(np.argmax(scores[index]))
            category = self.solutions[best]
            rivals = [s for j, s in enumerate(scores[index]) if not self._related(self.solutions[j], category)]
            close = float(scores[index][best])
            if close < self.similarity:
                break
            if spans & taken or category.code in chosen or (rivals and close - max(rivals) < self.margin):
                continue
            taken |= spans
            chosen.add(category.code)
            self._take(reading, Filter("category", category.code, category.name, written, "meaning", round(close, 3)))
        return [word for i, word in enumerate(words) if i not in taken]

    @staticmethod
    def _related(one: Category, other: Category) -> bool:
        """The same category, or one directly above or below the other."""
        return one.code == other.code or one.parent == other.code or other.parent == one.code


def _money(amount: float) -> str:
    return f"${amount:,.0f}"


def _price_label(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"priced between {_money(low)} and {_money(high)} (NZD, excluding GST)"
    if high is not None:
        return f"priced at or under {_money(high)} (NZD, excluding GST)"
    return f"priced at or over {_money(low)} (NZD, excluding GST)"
