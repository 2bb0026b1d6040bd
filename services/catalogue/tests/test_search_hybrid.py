"""Hybrid search through the gateway, with the catalogue embedding its offerings in the background: matches
by meaning, exact names first, misspellings, filters and facets on the fused result, cursor pages without
repeats or gaps, `match=keyword` as before, and bad input."""

import pytest
from sqlalchemy import func, select

from catalogue.search.vectors import QUEUE, VECTORS
from servicekit.testing import eventually
from testsupport.catalogue_helpers import URL, published, sellable
from testsupport.helpers import activated, active_supplier

SCOPE = ["ai.speech", "ai.document-processing", "ai.computer-vision", "ai.translation"]

# (name, summary, description, categories, risk tier): each says what it does in its own words, so a
# buyer's words are often not there.
OFFERINGS = [
    ("Tui Transcribe", "Transcription of interviews and hearings, with speaker labels.",
     "Turns recorded speech into accurate written transcripts.", ["ai.speech"], "limited"),
    ("Kauri Letters", "Reads, classifies and extracts data from agency forms and letters.",
     "Character recognition for scanned paper correspondence.", ["ai.document-processing"], "limited"),
    ("Matakite Count", "Counts vehicles and people from camera feeds.",
     "Computer vision on CCTV footage for asset inspection.", ["ai.computer-vision"], "high"),
    ("Reo Whakamāori", "Te reo Māori translation with fluent reviewers.",
     "Neural translation between te reo Māori and English.", ["ai.translation"], "minimal"),
    ("Scribe Minutes", "Minutes and summaries of recorded meetings.",
     "Speech recognition and dictation for board meetings and hui.", ["ai.speech"], "high"),
]


# The assessment's impact level that gives each risk tier.
LEVEL_OF_TIER = {"minimal": "I", "limited": "II", "high": "III"}


@pytest.fixture
async def hybrid(stack):
    """The catalogue with semantic search on, the offerings above published and embedded."""
    await stack.servers["catalogue"].stop()
    await stack.start_service("catalogue", semantic_search=True)
    registered = await active_supplier(stack)
    await activated(stack, registered, scope=SCOPE)
    await sellable(stack, registered["id"], lambda categories: set(SCOPE) <= set(categories))
    supplier = await stack.as_supplier(registered["credentials"])
    for name, summary, description, categories, risk in OFFERINGS:
        await published(stack, supplier, name=name, summary=summary, description=description,
                        categories=categories, level=LEVEL_OF_TIER[risk], te_reo_maori_support=False,
                        assurance_records=[])
    database = stack.servers["catalogue"].app.state.database

    async def embedded():
        async with database.transaction() as session:
            queued = (await session.execute(select(func.count()).select_from(QUEUE))).scalar()
            stored = (await session.execute(select(func.count()).select_from(VECTORS))).scalar()
        return queued == 0 and stored == len(OFFERINGS)

    await eventually(embedded, timeout=120)
    return supplier


async def search(stack, **params) -> dict:
    response = await stack.client.get(URL, params=params, headers=await stack.as_role("buyer"))
    assert response.status_code == 200, response.text
    return response.json()


def names(page: dict) -> list[str]:
    return [o["name"] for o in page["data"]]


async def test_meaning_words_and_misspellings(stack, hybrid):
    # None of these words is in the listing it finds.
    assert names(await search(stack, q="voice to text"))[0] in ("Tui Transcribe", "Scribe Minutes")
    assert names(await search(stack, q="OCR for scanned documents"))[0] == "Kauri Letters"
    assert names(await search(stack, q="transalation"))[0] == "Reo Whakamāori"
    assert names(await search(stack, q="whakamaori"))[0] == "Reo Whakamāori"
    # An exact name comes first, however close in meaning the others are.
    assert names(await search(stack, q="Scribe Minutes"))[0] == "Scribe Minutes"
    assert names(await search(stack, q="transcription"))[0] == "Tui Transcribe"
    # Keyword matching alone, as before: every word must be there.
    assert (await search(stack, q="voice to text", match="keyword"))["total"] == 0


async def test_filters_facets_and_pages_on_the_fused_result(stack, hybrid):
    fused = await search(stack, q="speech to text for meetings", limit=50)
    assert {"Tui Transcribe", "Scribe Minutes"} <= set(names(fused))
    assert fused["total"] == len(fused["data"])
    risk_counts = {v["value"]: v["count"] for v in fused["facets"]["risk_tier"]}
    assert sum(risk_counts.values()) == fused["total"]
    high = await search(stack, q="speech to text for meetings", risk_tier="high", limit=50)
    assert high["total"] == risk_counts["high"] and all(o["risk_tier"] == "high" for o in high["data"])
    assert "Scribe Minutes" in names(high)
    speech = await search(stack, q="speech to text for meetings", category="ai.speech")
    assert set(names(speech)) == {"Tui Transcribe", "Scribe Minutes"}
    # One offering per page: the same offerings in the same order, none twice, none missed.
    pages, cursor = [], None
    while True:
        page = await search(stack, q="speech to text for meetings", limit=1, **({"cursor": cursor} if cursor else {}))
        pages += names(page)
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pages == names(fused)


@pytest.mark.parametrize("params, field", [
    ({"q": "voice", "match": "fuzzy"}, "match"), ({"match": "keyword"}, "match"),
    ({"q": "the and of"}, "q"), ({"q": "x" * 201}, "q"), ({"q": ""}, "q")])
async def test_bad_input_is_a_problem(stack, hybrid, params, field):
    response = await stack.client.get(URL, params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in response.text
