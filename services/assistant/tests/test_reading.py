"""The rules of reading a sentence, without categories (their matching by meaning is tested through the
gateway, against the catalogue's own): prices, te reo Māori terms and the other closed-value filters."""

from __future__ import annotations

import pytest

from assistant.question.reading import Reader


def embed_nothing(texts):
    raise AssertionError("with no categories nothing is embedded")


READER = Reader([], embed_nothing, similarity=0.6, margin=0.1)


def read(sentence: str, **kwargs) -> dict:
    return {f.kind: f.value for f in READER.read(sentence, **kwargs).filters}


@pytest.mark.parametrize("sentence, low, high", [
    ("under $50,000", None, 50000), ("under $50k", None, 50000), ("less than 50,000 NZD", None, 50000),
    ("no more than 1.5 million dollars", None, 1_500_000), ("at least $2,000", 2000, None), ("over 5k", 5000, None),
    ("between $10k and $40k", 10000, 40000), ("$5,000-$20,000", 5000, 20000), ("from 20k to 10k", 10000, 20000),
    ("a budget of 20k", None, 20000), ("priced up to 900", None, 900),
])
def test_prices_are_read_as_bounds_in_nzd(sentence, low, high):
    assert read(sentence)["price"] == {"min": low, "max": high}


@pytest.mark.parametrize("sentence", ["top 3 tools", "tools from 2024", "under 5 users", "over 12 months"])
def test_numbers_that_are_not_prices_are_left_as_words(sentence):
    reading = READER.read(sentence)
    assert reading.filters == [] and reading.words


@pytest.mark.parametrize("sentence", ["speaks te reo Māori", "in te reo", "reo Maori", "kōrero Māori", "korero",
                                      "whakamāori", "Māori language support", "bilingual"])
def test_te_reo_maori_terms_with_or_without_macrons(sentence):
    assert read(sentence) == {"te_reo_maori_support": True}


def test_a_maori_business_is_not_te_reo_support():
    assert read("from a Māori-owned business") == {"maori_business": True}


@pytest.mark.parametrize("sentence, expected", [
    ("low risk", {"risk_tier": ["minimal"]}), ("high-risk", {"risk_tier": ["high"]}),
    ("medium risk", {"risk_tier": ["limited"]}), ("hosted in Aotearoa", {"data_residency": ["new_zealand"]}),
    ("onshore", {"data_residency": ["new_zealand"]}), ("data stored in Australia", {"data_residency": ["australia"]}),
    ("ISO/IEC 42001 certified", {"certification": ["iso_iec_42001"]}),
    ("with a PIA and ISO 27001", {"certification": ["iso_iec_27001", "privacy_impact_assessment"]}),
    ("SOC 2 Type II audited with ISO 27701", {"certification": ["iso_iec_27701", "soc_2"]}),
    ("from a large company", {"supplier_size": ["large"]}), ("SMEs", {"supplier_size": ["small", "medium"]}),
])
def test_closed_values(sentence, expected):
    assert read(sentence) == expected


def test_an_ignored_filter_gives_its_words_back():
    reading = READER.read("low risk translation", ignore=frozenset({"risk_tier"}))
    assert reading.filters == [] and reading.words == ["low", "risk", "translation"]
