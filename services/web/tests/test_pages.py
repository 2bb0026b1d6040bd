"""The pages as a browser without scripts sees them, through the real gateway in front of a seeded marketplace."""

from __future__ import annotations

import csv
import io
import re

from services.web.tests.helpers import course_with_session, fill_session, offerings, withdraw
from servicekit.testing import eventually
from web.session import CONTENT_SECURITY_POLICY

H1 = re.compile(r"<h1[ >]")


def page_basics(response) -> str:
    """Every page: one h1, a title, landmarks, a skip link, the CSP, and no script of any kind inline."""
    html = response.text
    assert len(H1.findall(html)) == 1, html
    assert re.search(r"<title>[^<]+ – AI Marketplace</title>", html)
    assert '<main id="main"' in html and 'href="#main"' in html and "<header" in html and "<footer" in html
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    # Scripts only from this site's /assets/, never inline; no inline styles either.
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/assets/enhance.js" defer>']
    assert "</script>" in html and not re.search(r"<script[^>]*>[^<]", html)
    assert " style=" not in html and "<style" not in html and " on" + "click=" not in html
    assert response.headers["cache-control"] == "no-store"
    assert "Traceback" not in html
    return html


async def test_home_shows_search_categories_training_and_registry(site, browser):
    response = await browser.get("/")
    html = page_basics(response)
    assert response.status_code == 200
    assert 'action="/offerings"' in html and 'name="q"' in html
    assert re.search(r'href="/offerings\?category=[^"]+">[^<]+</a> <span class="count">\(\d+\)</span>', html)
    assert 'href="/training?training_area=ai_te_reo_maori_contexts">AI in <span lang="mi">te reo Māori</span>' in html
    assert "New in the AI Hub registry" in html and 'href="/registry/entries/' in html


async def test_search_with_words_and_filters_keeps_them_in_the_link(site, browser):
    everything = await browser.get("/offerings")
    total = int(re.search(r"(\d+) results", everything.text).group(1))
    assert total == len(await offerings(site))
    nz = await browser.get("/offerings", params=[("data_residency", "new_zealand"), ("sort", "name")])
    html = page_basics(nz)
    narrowed = int(re.search(r"(\d+) results?", html).group(1))
    assert 0 < narrowed < total
    assert narrowed == len(await offerings(site, data_residency="new_zealand"))
    assert re.search(r'name="data_residency" value="new_zealand" id="[^"]+" checked', html)
    assert '<option value="name" selected>' in html


async def test_every_filter_shows_how_many_results_hold_each_value(site, browser):
    facets = (await site.client.get("/api/v1/offerings", params={"limit": 1})).json()["facets"]
    html = page_basics(await browser.get("/offerings"))
    for size in ("micro", "small", "medium", "large"):
        held = next((v["count"] for v in facets["supplier_size"] if v["value"] == size), 0)
        assert re.search(rf'value="{size}" id="supplier_size-\d"\s*><label[^>]*>[^<]+ <span class="count">\({held}\)', html), size
    for key in ("te_reo_maori_support", "maori_business"):
        counts = {v["value"]: v["count"] for v in facets[key]}
        assert f'>Yes ({counts.get("true", 0)})</option>' in html.split(f'name="{key}"')[1].split("</select>")[0], key
    # Each price range is a link to the same search narrowed to it, with its count.
    for value in facets["price_range"]:
        low, high = value["value"].split("-")
        link = f'/offerings?price_min={low}' + (f"&amp;price_max={high}" if high else "")
        assert re.search(rf'<a href="{re.escape(link)}">[^<]+</a> <span class="count">\({value["count"]}\)</span>', html), value
    lowest = facets["price_range"][0]
    narrowed = page_basics(await browser.get("/offerings", params={"price_min": "0", "price_max": "10000"}))
    assert re.search(rf'>{lowest["count"]} results?', narrowed), lowest


async def test_a_sentence_is_read_into_filters_shown_as_removable_chips(site, browser):
    sentence = "translation services hosted in New Zealand"

    async def read():  # once the question box has followed the seeded categories from their events
        answer = (await site.client.get("/api/v1/assistant/search", params={"q": sentence})).json()
        return answer if {f["kind"] for f in answer.get("filters", [])} == {"data_residency", "category"} else None

    reading = await eventually(read)
    html = page_basics(await browser.get("/offerings", params={"q": sentence}))
    assert "What we read from your search" in html
    chip = re.search(r'<li class="chip">([^<]*New Zealand[^<]*) <a href="(/offerings\?[^"]+)" class="chip-remove">', html)
    assert chip, html
    # The results are those of the filters read and the words left, as the search API finds them.
    expected = await offerings(site, **{f["kind"]: f["value"] for f in reading["filters"]},
                               **({"q": " ".join(reading["words"])} if reading["words"] else {}))
    assert re.search(rf">{len(expected)} results?", html) and expected
    assert all(f'href="/offerings/{o["id"]}"' in html for o in expected)
    # Removing the chip searches again with that filter set aside; the rest of the sentence stays.
    removed = page_basics(await browser.get(chip.group(2).replace("&amp;", "&")))
    assert "ignore=data_residency" in chip.group(2) and chip.group(1) not in removed
    assert 'name="ignore" value="data_residency"' in removed
    # A few words are searched as they are.
    assert "What we read from your search" not in page_basics(await browser.get("/offerings", params={"q": "translation"}))


async def test_no_results_suggest_removing_the_filters(site, browser):
    response = await browser.get("/offerings", params={"q": "zzqxnotaword", "risk_tier": "high"})
    html = page_basics(response)
    assert "No AI solutions match your search." in html
    assert 'href="/offerings?q=zzqxnotaword">Remove the filters</a>' in html


async def test_a_bad_filter_is_an_error_summary_linked_to_its_field(site, browser):
    response = await browser.get("/offerings", params={"price_min": "-5"})
    html = page_basics(response)
    assert response.status_code == 422
    assert 'class="error-summary"' in html and '<a href="#price_min">' in html
    assert 'id="price_min-error"' in html


async def test_offering_page_shows_what_a_buyer_weighs(site, browser):
    offering = (await offerings(site))[0]
    response = await browser.get(f"/offerings/{offering['id']}")
    html = page_basics(response)
    assert response.status_code == 200
    for heading in ("Pricing", "Deployment", "Data residency", "Model provenance", "Human oversight",
                    "Involves Māori data", "Risk tier", "Assurance records", "Categories", "Training accreditations"):
        assert heading in html, heading
    assert "banner" not in html


async def test_compare_marks_differences_and_wants_two_to_five(site, browser):
    ids = [o["id"] for o in (await offerings(site))[:3]]
    response = await browser.get("/offerings/compare", params=[("ids", i) for i in ids])
    html = page_basics(response)
    assert response.status_code == 200
    assert html.count('<th scope="col"><a href="/offerings/') == 3
    assert 'class="differs"' in html and "differs</strong>" in html
    one = await browser.get("/offerings/compare", params={"ids": ids[0]})
    assert one.status_code == 422 and "Select between 2 and 5 offerings" in one.text


async def test_a_buyer_shortlists_with_notes_renames_downloads_and_removes(site, browser):
    first, second = (await offerings(site))[1:3]
    await browser.sign_in("buyer")
    added = await browser.post_form(f"/offerings/{first['id']}", "/shortlists/add", {
        "offering_id": first["id"], "new_name": "Document tools", "notes": "Ask about the pilot"})
    assert added.status_code == 200 and "Document tools" in added.text
    shortlist_path = added.url.path
    shortlist_id = shortlist_path.rsplit("/", 1)[1]
    await browser.post_form(f"/offerings/{second['id']}", "/shortlists/add", {
        "offering_id": second["id"], "shortlist_id": shortlist_id, "notes": "Cheaper"})
    await browser.post_form(shortlist_path, f"{shortlist_path}/rename", {"name": "Document tools 2026"})
    download = await browser.get(f"{shortlist_path}/export.csv")
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert {r["notes"] for r in rows} == {"Ask about the pilot", "Cheaper"}
    removed = await browser.post_form(shortlist_path, f"{shortlist_path}/items/{second['id']}/remove", {})
    html = page_basics(removed)
    assert "Document tools 2026" in html and "Cheaper" not in html


async def test_a_shortlist_without_a_name_is_an_error_linked_to_the_field(site, browser):
    await browser.sign_in("buyer")
    response = await browser.post_form("/shortlists", "/shortlists", {"name": "  "})
    html = page_basics(response)
    assert response.status_code == 422 and "<title>Error: " in html
    assert '<a href="#name">Enter a name for the shortlist</a>' in html and 'id="name-error"' in html


async def test_signing_in_returns_to_the_page_asked_for(site, browser):
    asked = await browser.get("/training/registrations?x=1", follow_redirects=False)
    assert asked.headers["location"] == "/sign-in?next=%2Ftraining%2Fregistrations%3Fx%3D1"
    html = (await browser.get(asked.headers["location"])).text
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html).group(1)
    back = await browser.http.post("/sign-in", data={"csrf_token": token, "client_id": "buyer",
                                                     "next": "/training/registrations?x=1"}, follow_redirects=False)
    assert back.headers["location"] == "/training/registrations?x=1"
    elsewhere = await browser.http.post("/sign-in", data={"csrf_token": token, "client_id": "buyer",
                                                          "next": "//evil.example/"}, follow_redirects=False)
    assert elsewhere.headers["location"] == "/"


async def test_a_changing_form_without_its_csrf_token_is_refused(site, browser):
    await browser.sign_in("buyer")
    response = await browser.http.post("/shortlists", data={"name": "No token"})
    assert response.status_code == 403
    listed = await site.client.get("/api/v1/shortlists", headers=await site.as_role("buyer"))
    assert "No token" not in {s["name"] for s in listed.json()["data"]}


async def test_the_token_cookie_is_httponly_and_samesite_lax(site, browser):
    html = (await browser.get("/sign-in")).text
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html).group(1)
    response = await browser.http.post("/sign-in", data={"csrf_token": token, "client_id": "buyer"},
                                       follow_redirects=False)
    assert response.status_code == 303
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("mp_token="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie


async def test_registering_interest_until_full_then_waitlisted(site, browser):
    course, session = await course_with_session(site, 0)
    await fill_session(site, session, leave=1)
    await browser.sign_in("buyer")
    path = f"/training/{course['id']}"
    action = f"{path}/sessions/{session['id']}/register"
    person = {"name": "Aroha Ngata", "email": "aroha@agency.govt.nz", "agency": "Te Puni Kōkiri"}
    last = await browser.post_form(path, action, person)
    assert "Registration received" in page_basics(last)
    waiting = await browser.post_form(path, action, person | {"email": "second@agency.govt.nz"})
    html = page_basics(waiting)
    assert "Added to the waitlist" in html and "0 of" in html and "Join the waitlist" in html
    mine = page_basics(await browser.get("/training/registrations"))
    assert "Waitlisted" in mine and "Registered" in mine
    assert f'<a href="/training/{course["id"]}">{course["name"]}</a>' in mine


async def test_a_registration_missing_fields_links_each_error_to_its_field(site, browser):
    course, session = await course_with_session(site, 2)
    await browser.sign_in("buyer")
    path = f"/training/{course['id']}"
    response = await browser.post_form(path, f"{path}/sessions/{session['id']}/register",
                                       {"name": "Someone", "email": "not-an-email", "agency": "X"})
    html = page_basics(response)
    assert response.status_code == 422
    assert f'<a href="#email-{session["id"]}">' in html and f'id="email-{session["id"]}-error"' in html


async def test_registry_entries_use_cases_and_insights_charts_with_tables(site, browser):
    registry = page_basics(await browser.get("/registry"))
    entry_link = re.search(r'href="(/registry/entries/[^"]+)"', registry).group(1)
    assert (await browser.get(entry_link)).status_code == 200
    use_cases = page_basics(await browser.get("/registry/use-cases"))
    use_case = re.search(r'href="(/registry/use-cases/[^"]+)"', use_cases).group(1)
    assert "Phase" in page_basics(await browser.get(use_case))
    insights = page_basics(await browser.get("/registry/insights"))
    assert insights.count('<svg class="chart" role="img"') == 5
    assert insights.count(": the numbers</caption>") == 5
    # Categories by their names, months by theirs, phases in the order a use case moves through them.
    assert "<td>Ai › " not in insights and not re.search(r"<td>\d{4}-\d{2}</td>", insights)
    phases = re.findall(r"<td>(Idea|Design|Development|Pilot|Production|Retired)</td>", insights)
    assert phases == sorted(phases, key=["Idea", "Design", "Development", "Pilot", "Production", "Retired"].index)
    totals = (await site.client.get("/api/v1/registry/insights")).json()
    for kind, count in totals["by_type"].items():
        assert f'<td class="numeric">{count}</td>' in insights, kind


async def test_anyone_sees_a_suppliers_size_business_status_and_offerings(site, browser):
    offering = (await offerings(site))[0]
    profile = (await site.client.get(f"/api/v1/suppliers/{offering['supplier_id']}/profile")).json()
    html = page_basics(await browser.get(f"/suppliers/{offering['supplier_id']}"))  # not signed in
    assert f"<dd>{profile['size'].capitalize()}</dd>" in html
    assert "<dt>Māori business</dt><dd>" + ("Yes" if profile["maori_business"] else "No") + "</dd>" in html
    assert f'href="/offerings/{offering["id"]}"' in html and "Sign in</a> to see" not in html
    missing = await browser.get("/suppliers/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and "Traceback" not in page_basics(missing)


async def test_suspended_offering_has_a_banner_and_retired_or_withdrawn_ones_answer_410(site, browser):
    suspended, retired, withdrawn = (await offerings(site))[-4:-1]
    admin = await site.as_role("admin")
    for offering, action in ((suspended, "suspend"), (retired, "retire")):
        response = await site.client.post(f"/api/v1/offerings/{offering['id']}/{action}", headers=admin,
                                          json={"reason": "Failed its security review"})
        assert response.status_code == 200, response.text
    await withdraw(site, withdrawn)
    page = await browser.get(f"/offerings/{suspended['id']}")
    html = page_basics(page)
    assert page.status_code == 200 and "This offering is suspended" in html and "Failed its security review" in html
    for offering, banner in ((retired, "This offering has been retired"), (withdrawn, "This offering has been withdrawn")):
        gone = await browser.get(f"/offerings/{offering['id']}")
        assert gone.status_code == 410 and banner in page_basics(gone)


async def test_unknown_pages_and_api_refusals_are_pages_not_traces(site, browser):
    missing = await browser.get("/offerings/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and "Page not found" in page_basics(missing)
    assert (await browser.get("/no/such/page")).status_code == 404
    shortlists = await browser.get("/shortlists", follow_redirects=False)
    assert shortlists.status_code == 303 and shortlists.headers["location"].startswith("/sign-in")


async def test_te_reo_maori_text_is_marked(site, browser):
    html = (await browser.get("/")).text
    assert '<span lang="mi">Mākete AI</span>' in html
