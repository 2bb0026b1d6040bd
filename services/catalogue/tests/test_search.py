"""Buyer search through the gateway: words, every filter, facets, each sort, cursor pages that neither
repeat nor skip while offerings come and go, certificates expiring by the clock, comparison, bad input."""

from datetime import date, timedelta

import pytest

from servicekit.pagination import encode_cursor
from testsupport.catalogue_helpers import URL, act, offering_body, published, sellable
from testsupport.helpers import activated, supplier_body

SCOPE = ["ai.translation", "ai.document-processing", "ai.speech", "ai.computer-vision"]


def certificate(standard: str, expires_on: date, **overrides) -> dict:
    return {"standard": standard, "evidence_type": "third_party_certificate", "issuer": "BSI",
            "accrediting_body": "UKAS", "issued_on": "2025-01-01", "expires_on": expires_on.isoformat()} | overrides


async def eligible(stack, **supplier_fields) -> dict:
    """A verified supplier (with these registration fields) and an agreement in force for SCOPE;
    returns its request headers."""
    supplier = (await stack.client.post("/api/v1/suppliers", json=supplier_body(**supplier_fields))).json()
    await stack.client.post(f"/api/v1/suppliers/{supplier['id']}/verify", headers=await stack.as_role("admin"))
    await activated(stack, supplier, scope=SCOPE)
    await sellable(stack, supplier["id"], lambda categories: set(SCOPE) <= set(categories))
    return await stack.as_supplier(supplier["credentials"])


@pytest.fixture
async def catalogue(stack):
    """Four published offerings of two suppliers, differing in every filtered field."""
    later = stack.clock.now().date() + timedelta(days=400)
    small = await eligible(stack, size="small", maori_business=True)
    # Kōrero: te reo translation, NZ, limited, ISO 27001, 20-45 NZD, licensing.
    korero = await published(stack, small)
    stack.clock.advance(seconds=1)
    vision = await published(
        stack, small, name="Matakite Vision", summary="Counting and inspection from camera footage.",
        description="Computer vision that counts vehicles and inspects assets from camera footage.",
        categories=["ai.computer-vision"], engagement_type="engagement.implementation",
        pricing={"model": "fixed_price", "min_nzd": 50000, "max_nzd": 120000},
        data_residency={"region": "australia"}, te_reo_maori_support=False, level="III",
        assurance_records=[certificate("iso_iec_42001", later)])
    large = await eligible(stack, size="large", maori_business=False, legal_name="Tāwhiri Systems Ltd")
    stack.clock.advance(seconds=1)
    scribe = await published(
        stack, large, name="Scribe Speech", summary="Transcription and translation of meetings and hearings.",
        description="Speech recognition for meetings, with translation of transcripts into English.",
        categories=["ai.speech"], engagement_type="engagement.managed-service",
        pricing={"model": "per_transaction", "min_nzd": 0.5, "max_nzd": 2},
        data_residency={"region": "other", "country": "US"}, te_reo_maori_support=False, level="I",
        assurance_records=[])
    stack.clock.advance(seconds=1)
    forms = await published(
        stack, large, name="Forms Reader", summary="Reads scanned forms and letters.",
        description="OCR and extraction for scanned forms; no translation.",
        categories=["ai.document-processing"], engagement_type="engagement.licensing-saas",
        pricing={"model": "per_user_per_month", "min_nzd": 10, "max_nzd": 15},
        data_residency={"region": "new_zealand"}, te_reo_maori_support=False, level="II",
        assurance_records=[certificate("iso_iec_27001", later),
                           certificate("iso_iec_42001", later, status="suspended")])
    return {"korero": korero, "vision": vision, "scribe": scribe, "forms": forms, "small": small, "large": large}


async def search(stack, headers=None, **params) -> dict:
    response = await stack.client.get(URL, params=params, headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()


def names(page: dict) -> list[str]:
    return [o["name"] for o in page["data"]]


async def test_words_filters_and_facets(stack, catalogue):
    buyer = await stack.as_role("buyer")
    found = await search(stack, buyer, q="translation")
    # A word in the name weighs most, then the summary, then the description.
    assert names(found) == ["Kōrero Translate", "Scribe Speech", "Forms Reader"]
    assert found["total"] == 3
    assert names(await search(stack, buyer, q="maori TRANSLAT")) == ["Kōrero Translate"]  # folded; last word a prefix
    assert names(await search(stack, buyer, q="Māori")) == ["Kōrero Translate"]
    assert names(await search(stack, buyer, q="transcripts")) == ["Scribe Speech"]
    # Common English words are left out, so they neither narrow nor empty a result, on either database.
    assert names(await search(stack, buyer, q="the translation of")) == names(found)
    assert (await search(stack, buyer, q="zebra"))["data"] == []
    # Filter values sit in the same index as the words, but no word or word prefix reaches them.
    for word in ("limited", "australia", "iso", "cf"):
        assert (await search(stack, buyer, q=word))["data"] == [], word

    cases = [
        ({"category": "ai.translation"}, {"Kōrero Translate"}),  # te reo translation lies below translation
        ({"category": ["ai.speech", "ai.computer-vision"]}, {"Scribe Speech", "Matakite Vision"}),
        ({"engagement_type": "engagement.licensing-saas"}, {"Kōrero Translate", "Forms Reader"}),
        ({"data_residency": "australia"}, {"Matakite Vision"}),
        ({"data_residency": ["other", "new_zealand"]}, {"Scribe Speech", "Kōrero Translate", "Forms Reader"}),
        ({"te_reo_maori_support": "true"}, {"Kōrero Translate"}),
        ({"certification": "iso_iec_42001"}, {"Matakite Vision"}),  # a suspended certificate does not count
        ({"certification": "iso_iec_27001"}, {"Kōrero Translate", "Forms Reader"}),
        ({"risk_tier": ["high", "minimal"]}, {"Matakite Vision", "Scribe Speech"}),
        ({"price_min": 100, "price_max": 60000}, {"Matakite Vision"}),
        ({"price_max": 12}, {"Scribe Speech", "Forms Reader"}),
        ({"supplier_size": "large"}, {"Scribe Speech", "Forms Reader"}),
        ({"maori_business": "true"}, {"Kōrero Translate", "Matakite Vision"}),
        ({"q": "translation", "risk_tier": "limited", "data_residency": "new_zealand"},
         {"Kōrero Translate", "Forms Reader"}),
    ]
    for filters, expected in cases:
        assert set(names(await search(stack, buyer, **filters))) == expected, filters

    faceted = await search(stack, buyer, risk_tier="limited")
    facets = {name: {v["value"]: v["count"] for v in values} for name, values in faceted["facets"].items()}
    assert faceted["total"] == 2
    assert facets == {
        "category": {"ai.translation.te-reo-maori": 1, "ai.document-processing": 2},
        "engagement_type": {"engagement.licensing-saas": 2},
        "data_residency": {"new_zealand": 2},
        "certification": {"iso_iec_27001": 2},
        "risk_tier": {"limited": 2},
        "te_reo_maori_support": {"true": 1, "false": 1},
        "supplier_size": {"small": 1, "large": 1},
        "maori_business": {"true": 1, "false": 1},
        "price_range": {"0-10000": 2, "10000-50000": 0, "50000-250000": 0, "250000-": 0}}
    assert faceted["facets"]["category"][0] == {"value": "ai.document-processing", "count": 2}  # most first
    # Every price range, in order; an offering counts in each its prices reach into, as the filter finds it.
    everything = (await search(stack, buyer))["facets"]["price_range"]
    assert everything == [{"value": "0-10000", "count": 3}, {"value": "10000-50000", "count": 1},
                          {"value": "50000-250000", "count": 1}, {"value": "250000-", "count": 0}]
    assert names(await search(stack, buyer, price_min=10000, price_max=50000)) == ["Matakite Vision"]
    bare = await search(stack, buyer, facets="false")
    assert bare["facets"] is None and bare["total"] is None and len(bare["data"]) == 4


async def test_sorts_and_who_sees_what(stack, catalogue):
    buyer, admin = await stack.as_role("buyer"), await stack.as_role("admin")
    assert names(await search(stack, buyer, sort="name")) == [
        "Forms Reader", "Kōrero Translate", "Matakite Vision", "Scribe Speech"]
    assert names(await search(stack, buyer)) == [  # newest first without words
        "Forms Reader", "Scribe Speech", "Matakite Vision", "Kōrero Translate"]
    for sort in ("name", "created", "updated"):  # read in index order when nothing is counted: the same
        assert (names(await search(stack, buyer, sort=sort, facets="false"))
                == names(await search(stack, buyer, sort=sort))), sort
    stack.clock.advance(minutes=1)
    assert (await act(stack, catalogue["vision"]["id"], "suspend", admin, "complaint under review")).status_code == 200
    assert (await act(stack, catalogue["vision"]["id"], "reinstate", admin)).status_code == 200
    assert names(await search(stack, buyer, sort="updated"))[0] == "Matakite Vision"

    assert (await act(stack, catalogue["forms"]["id"], "suspend", admin, "complaint")).status_code == 200
    assert "Forms Reader" not in names(await search(stack, buyer))
    assert "Forms Reader" not in names(await search(stack, None))  # anonymous
    assert "Forms Reader" in names(await search(stack, admin))
    assert names(await search(stack, admin, status="suspended")) == ["Forms Reader"]
    assert (await search(stack, buyer, status="suspended"))["data"] == []
    draft = (await stack.client.post(URL, json=offering_body(name="Unfinished Draft"), headers=catalogue["large"])).json()
    assert draft["id"] in {o["id"] for o in (await search(stack, catalogue["large"]))["data"]}
    assert draft["id"] not in {o["id"] for o in (await search(stack, catalogue["small"]))["data"]}


async def test_pages_neither_repeat_nor_skip_while_offerings_change(stack, catalogue):
    buyer, admin = await stack.as_role("buyer"), await stack.as_role("admin")
    for n in range(4):
        stack.clock.advance(seconds=1)
        await published(stack, catalogue["large"], name=f"Translation Aid {n}")
    # Without facet counts the page is read from the table in index order: paged the same way.
    for sort, params in (("name", {"facets": "false"}), ("created", {}), ("relevance", {"q": "translation"})):
        before = [o["id"] for o in (await search(stack, buyer, **params, sort=sort, limit=100))["data"]]
        seen, cursor = [], None
        while True:
            page = await search(stack, buyer, **params, sort=sort, limit=2, **({"cursor": cursor} if cursor else {}))
            seen += [o["id"] for o in page["data"]]
            if len(seen) == 2:
                # Between pages: one offering already served leaves; one not yet served leaves and comes back.
                gone, bounced = seen[0], before[-1]
                assert (await act(stack, gone, "suspend", admin, "checked")).status_code == 200
                assert (await act(stack, bounced, "suspend", admin, "checked")).status_code == 200
                assert (await act(stack, bounced, "reinstate", admin)).status_code == 200
                stack.clock.advance(seconds=1)
                late = await published(stack, catalogue["large"], name=f"Translation Late {sort}")
            if not (cursor := page["next_cursor"]):
                break
        assert len(seen) == len(set(seen)), sort
        assert set(before) <= set(seen) <= set(before) | {late["id"]}, sort
        assert (await act(stack, gone, "reinstate", admin)).status_code == 200


async def test_a_certificate_past_its_expiry_stops_counting_by_itself(stack, catalogue):
    buyer = await stack.as_role("buyer")
    soon = stack.clock.now().date() + timedelta(days=10)
    expiring = await published(stack, catalogue["small"], name="Expiring Assurance",
                               assurance_records=[certificate("nzism_certification_accreditation", soon)])
    held = await search(stack, buyer, certification="nzism_certification_accreditation")
    assert names(held) == ["Expiring Assurance"]
    assert {"value": "nzism_certification_accreditation", "count": 1} in held["facets"]["certification"]

    stack.clock.advance(days=10)  # the last day it is in date
    assert names(await search(stack, buyer, certification="nzism_certification_accreditation")) == [
        "Expiring Assurance"]
    stack.clock.advance(days=1)
    gone = await search(stack, buyer, certification="nzism_certification_accreditation")
    assert gone["data"] == [] and gone["total"] == 0
    facets = (await search(stack, buyer))["facets"]["certification"]
    assert "nzism_certification_accreditation" not in {v["value"] for v in facets}
    # Still published and findable otherwise: only the certificate stopped counting.
    assert expiring["id"] in {o["id"] for o in (await search(stack, buyer, q="expiring"))["data"]}


async def test_compare_offerings_side_by_side(stack, catalogue):
    buyer = await stack.as_role("buyer")
    ids = [catalogue["korero"]["id"], catalogue["forms"]["id"], catalogue["vision"]["id"]]
    response = await stack.client.get(f"{URL}/compare", params={"ids": ",".join(ids)}, headers=buyer)
    assert response.status_code == 200, response.text
    comparison = response.json()
    assert [o["id"] for o in comparison["offerings"]] == ids
    fields = {line["field"]: line for line in comparison["fields"]}
    assert fields["risk_tier"] == {"field": "risk_tier", "values": ["limited", "limited", "high"], "same": False}
    assert fields["status"]["same"] is True
    assert fields["supplier"]["values"] == ["Kauri AI"] * 3 and fields["supplier"]["same"] is True
    assert fields["certifications_held"]["values"] == [["iso_iec_27001"], ["iso_iec_27001"], ["iso_iec_42001"]]
    assert fields["data_residency"]["values"] == ["new_zealand", "new_zealand", "australia"]

    async def refused(ids_param: str, headers=buyer) -> tuple[int, str]:
        answer = await stack.client.get(f"{URL}/compare", params={"ids": ids_param}, headers=headers)
        assert answer.headers["content-type"].startswith("application/problem+json"), answer.text
        return answer.status_code, answer.json()["detail"]

    assert (await refused(ids[0]))[0] == 422
    assert (await refused(",".join(ids * 2)))[0] == 422  # six, and repeated
    status, detail = await refused(f"{ids[0]},{ids[0]}")
    assert status == 422 and "repeated" in detail
    assert (await refused(f"{ids[0]},"))[0] == 422
    status, detail = await refused(f"{ids[0]},no-such-offering")
    assert status == 404 and "no-such-offering" in detail
    draft = (await stack.client.post(URL, json=offering_body(name="Hidden Draft"), headers=catalogue["small"])).json()
    status, detail = await refused(f"{ids[0]},{draft['id']}")
    assert status == 404 and draft["id"] in detail
    own = await stack.client.get(f"{URL}/compare", params={"ids": f"{ids[0]},{draft['id']}"},
                                 headers=catalogue["small"])
    assert own.status_code == 200  # its supplier sees its own draft


async def test_bad_search_input_is_a_problem_never_a_500(stack, catalogue):
    buyer = await stack.as_role("buyer")

    async def refused(**params) -> tuple[int, list[str]]:
        answer = await stack.client.get(URL, params=params, headers=buyer)
        assert answer.headers["content-type"].startswith("application/problem+json"), answer.text
        return answer.status_code, [e["field"] for e in answer.json().get("errors", [])]

    assert await refused(category="ai.no-such-thing") == (422, ["category"])
    assert await refused(category="engagement.implementation") == (422, ["category"])
    assert await refused(engagement_type="ai.speech") == (422, ["engagement_type"])
    assert (await refused(data_residency="mars"))[0] == 422
    assert (await refused(certification="iso_9001"))[0] == 422
    assert (await refused(risk_tier="extreme"))[0] == 422
    assert (await refused(supplier_size="huge"))[0] == 422
    assert (await refused(te_reo_maori_support="perhaps"))[0] == 422
    assert (await refused(price_min="-1"))[0] == 422
    assert await refused(price_min=100, price_max=10) == (422, ["price_min"])
    assert await refused(q="!!! ???") == (422, ["q"])
    assert await refused(q="the of and") == (422, ["q"])  # only words too common to search by
    assert (await refused(sort="popularity"))[0] == 422
    assert await refused(sort="relevance") == (422, ["sort"])
    assert await refused(colour="teal") == (422, ["query:colour"])
    assert (await refused(limit=0))[0] == 422
    assert (await refused(cursor="not-a-cursor"))[0] == 400

    # Query syntax of either full-text engine is read as words, never run as syntax.
    for odd in ("NOT translation", "translation*", "name:translation", "te-reo", "o'brien", "a_b",
                '"unbalanced', "NEAR(translation scribe)", "{name} : x", "2024"):
        answer = await stack.client.get(URL, params={"q": odd}, headers=buyer)
        assert answer.status_code == 200, (odd, answer.text)
    assert names(await search(stack, buyer, q="NEAR translation", sort="name")) == []  # "near" is a word here
    assert names(await search(stack, buyer, q="name:translation")) == []  # so is "name"

    first = await search(stack, buyer, sort="name", limit=1)
    assert (await refused(sort="created", cursor=first["next_cursor"]))[0] == 400
    assert (await refused(sort="relevance", q="translation", cursor=first["next_cursor"]))[0] == 400
    # A cursor made up with values of the wrong type is refused, not sent to the database.
    assert (await refused(sort="name", cursor=encode_cursor(["name", 5, ["x"]])))[0] == 400
    assert (await refused(sort="relevance", q="x", cursor=encode_cursor(["relevance", "high", "a", "b"])))[0] == 400
    assert (await refused(sort="created", cursor=encode_cursor(["created", "yesterday", "a"])))[0] == 400


async def test_facets_of_what_anyone_sees_are_counted_once_for_a_few_seconds(stack, catalogue):
    # The catalogue as deployed: counts that do not depend on the caller kept for 10 s of its clock.
    await stack.servers["catalogue"].stop()
    await stack.start_service("catalogue", facet_cache_seconds=10)
    before = await search(stack, category="ai.speech")
    assert before["total"] == 1
    await published(stack, catalogue["large"], name="Second Speech", categories=["ai.speech"])
    stale, admin = await search(stack, category="ai.speech"), await search(
        stack, await stack.as_role("admin"), category="ai.speech", status="published")
    # The page is read fresh, its counts come from the cache; an admin's search is never cached.
    assert names(stale) == ["Second Speech", "Scribe Speech"]
    assert stale["total"] == 1 and stale["facets"] == before["facets"]
    assert admin["total"] == 2
    stack.clock.advance(seconds=10)
    fresh = await search(stack, category="ai.speech")
    assert fresh["total"] == 2
    assert {"value": "ai.speech", "count": 2} in fresh["facets"]["category"]
