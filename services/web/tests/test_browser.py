"""Journeys in a real browser (Debian's Chromium, driven by Playwright) through the real gateway, with
axe-core checking every page they visit, and a screenshot of each page type under var/screenshots/.

Waits are on conditions (a heading, a response, a download), never on time, with generous timeouts:
the machine running them may be busy.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright, expect

from servicekit.settings import REPO_ROOT
from services.web.tests.helpers import course_with_session, fill_session, offerings, withdraw

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                  "--disable-component-update", "--disable-sync"]
AXE = REPO_ROOT / ".tools" / "node" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO_ROOT / "var" / "screenshots"
TIMEOUT_MS = 60_000
expect.set_options(timeout=TIMEOUT_MS)
# WCAG 2.2 A and AA, which the NZ Government Web Accessibility Standard asks for, and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@pytest.fixture(scope="module")
async def chromium():
    assert CHROMIUM.exists(), "Chromium is missing: `make browser-tools` installs it (apt-get install chromium)"
    assert AXE.exists(), "axe-core is missing: `make browser-tools` installs it into .tools/node"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS,
                                                   timeout=TIMEOUT_MS)
        yield browser
        await browser.close()


@pytest.fixture
def javascript() -> bool:
    """Whether the browser runs the pages' small script (a test may turn it off)."""
    return True


@pytest.fixture
async def page(chromium, site, javascript):
    context = await chromium.new_context(base_url=site.servers["gateway"].url, accept_downloads=True,
                                         java_script_enabled=javascript)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = await context.new_page()
    page.csp_violations = []
    page.javascript = javascript
    page.on("console", lambda message: "Content Security Policy" in message.text and page.csp_violations.append(
        message.text))
    yield page
    await context.close()


async def check(page: Page, name: str) -> None:
    """axe-core finds no violation, the CSP was never broken, and a screenshot is kept."""
    await page.wait_for_load_state("load")
    if not page.javascript:
        # axe is a script, so it cannot run where scripts are off; the same pages are checked with them on.
        await page.screenshot(path=SCREENSHOTS / f"{name}-without-javascript.png", full_page=True)
        return
    # Evaluated through the DevTools protocol, so the page's CSP (no inline script) stays as it is.
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(AXE.read_text())
    result = await page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    violations = [f"{v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'][:3])})"
                  for v in result["violations"]]
    assert not violations, f"{name}: {violations}"
    assert not page.csp_violations, page.csp_violations
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


async def sign_in(page: Page, role: str) -> None:
    await page.goto("/sign-in")
    await check(page, "sign-in")
    await page.get_by_label(role.capitalize(), exact=True).check()
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("button", name=re.compile("Sign out"))).to_be_visible()


async def test_buyer_searches_compares_shortlists_and_downloads(site, page, tmp_path):
    await page.goto("/")
    await check(page, "home")
    await sign_in(page, "buyer")
    await check(page, "home-signed-in")
    first = (await offerings(site, data_residency="new_zealand"))[0]
    word = max(re.findall(r"[A-Za-z]{5,}", first["name"]), key=len)

    await page.get_by_label("Search for AI solutions").fill(word)
    await page.get_by_role("button", name="Search", exact=True).click()
    await expect(page.get_by_role("heading", level=2, name=re.compile(r"results? for"))).to_be_visible()
    await page.get_by_role("group", name="Data residency").get_by_label(re.compile("^New Zealand")).check()
    await page.get_by_role("button", name="Apply filters").click()
    await page.wait_for_url(re.compile(r"data_residency=new_zealand"))
    await check(page, "search-results")
    await page.get_by_role("link", name=first["name"]).first.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(first["name"])
    await check(page, "offering")

    await page.goto("/offerings?sort=name")
    boxes = page.get_by_role("checkbox", name=re.compile("^Compare"))
    for n in range(3):
        await boxes.nth(n).check()
    await page.get_by_role("button", name="Compare selected").click()
    await expect(page.get_by_role("heading", level=1, name="Compare offerings")).to_be_visible()
    await expect(page.locator("table.compare thead th")).to_have_count(4)
    await check(page, "compare")

    chosen = (await offerings(site))[3:5]
    for n, offering in enumerate(chosen):
        await page.goto(f"/offerings/{offering['id']}")
        if n:
            await page.get_by_label("Add to shortlist").select_option(label="Browser picks")
        else:
            await page.get_by_label("Name of a new shortlist").fill("Browser picks")
        await page.get_by_label("Notes", exact=True).fill(f"Note {n + 1}")
        await page.get_by_role("button", name="Add to shortlist").click()
        await expect(page.get_by_role("heading", level=1, name="Browser picks")).to_be_visible()
    await check(page, "shortlist")
    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="Download as CSV").click()
    download = await waiting.value
    saved = tmp_path / "shortlist.csv"
    await download.save_as(saved)
    rows = list(csv.DictReader(saved.open(encoding="utf-8-sig")))
    assert sorted(r["notes"] for r in rows) == ["Note 1", "Note 2"]
    await page.goto("/shortlists")
    await check(page, "shortlists")


async def test_buyer_registers_interest_until_full_and_sees_the_waitlist(site, page):
    course, session = await course_with_session(site, 1)
    await fill_session(site, session, leave=1)
    await sign_in(page, "buyer")
    await page.goto("/training")
    await check(page, "courses")
    await page.goto(f"/training/{course['id']}")
    await check(page, "course")
    for n, expected in enumerate(("Registration received", "Added to the waitlist")):
        section = page.locator(f"section[aria-labelledby='session-{session['id']}']")
        await section.locator("summary").click()
        await section.get_by_label("Full name").fill(f"Tama Browser {n}")
        await section.get_by_label("Email address").fill(f"tama{n}@agency.govt.nz")
        await section.get_by_label("Agency", exact=True).fill("Ministry of Tests")
        await section.get_by_role("button").click()
        await expect(page.get_by_role("status")).to_contain_text(expected)
    await expect(page.locator(f"section[aria-labelledby='session-{session['id']}'] .places-left")).to_contain_text("0 of")
    await check(page, "course-waitlisted")
    await page.goto("/training/registrations")
    await expect(page.get_by_text("Waitlisted").first).to_be_visible()
    await check(page, "registrations")


async def test_a_form_error_is_summarised_and_linked_to_its_field(site, page):
    course, session = await course_with_session(site, 3)
    await sign_in(page, "buyer")
    await page.goto(f"/training/{course['id']}")
    section = page.locator(f"section[aria-labelledby='session-{session['id']}']")
    await section.locator("summary").click()
    await section.get_by_label("Full name").fill("No Email")
    await section.get_by_label("Email address").fill("not an email")
    await section.get_by_label("Agency", exact=True).fill("Ministry of Tests")
    await section.get_by_role("button").click()
    summary = page.get_by_role("alert")
    await expect(summary).to_contain_text("There is a problem")
    await summary.get_by_role("link").first.click()
    await expect(page.locator(f"#email-{session['id']}")).to_be_focused()
    await check(page, "course-error")


async def test_the_public_reads_the_registry_and_its_insights(site, page):
    await page.goto("/registry")
    await check(page, "registry")
    await page.locator(".result h3 a").first.click()
    await expect(page.get_by_text("in the AI Hub registry")).to_be_visible()
    await check(page, "registry-entry")
    await page.goto("/registry/use-cases")
    await check(page, "use-cases")
    await page.locator("table a").first.click()
    await expect(page.get_by_text("Agency use case")).to_be_visible()
    await check(page, "use-case")
    await page.goto("/registry/insights")
    await expect(page.locator("svg.chart[role=img]")).to_have_count(5)
    await check(page, "insights")
    await page.goto("/offerings?q=translation+services+hosted+in+New+Zealand")
    await expect(page.get_by_role("heading", name="What we read from your search")).to_be_visible()
    await check(page, "search-sentence")
    await page.goto("/offerings?q=zzqxnotaword&risk_tier=high")
    await expect(page.get_by_role("link", name="Remove the filters")).to_be_visible()
    await check(page, "search-empty")
    await page.goto("/offerings?price_min=-1")
    await check(page, "search-error")
    supplier = (await offerings(site))[0]["supplier_id"]
    await page.goto(f"/suppliers/{supplier}")
    await check(page, "supplier")
    await page.goto("/no/such/page")
    await check(page, "not-found")


async def test_a_withdrawn_offering_shows_its_banner_with_410(site, page):
    offering = (await offerings(site))[-5]
    await withdraw(site, offering)
    response = await page.goto(f"/offerings/{offering['id']}")
    assert response.status == 410
    await expect(page.get_by_role("heading", name="This offering has been withdrawn")).to_be_visible()
    await check(page, "offering-withdrawn")


async def test_pages_fit_a_320_pixel_screen_and_start_with_a_skip_link(site, page):
    await page.set_viewport_size({"width": 320, "height": 640})
    offering = (await offerings(site))[0]
    for path in ("/", "/offerings", f"/offerings/{offering['id']}", "/registry/insights", "/training"):
        await page.goto(path)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{path} is {width} px wide"
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator("#main")).to_be_focused()
    await check(page, "narrow-training")


async def test_keyboard_alone_signs_in_with_a_visible_focus(site, page):
    await page.goto("/sign-in")
    radio = page.get_by_label("Buyer", exact=True)
    await radio.focus()
    await page.keyboard.press("Space")
    await expect(radio).to_be_checked()
    outline = await radio.evaluate("element => getComputedStyle(element).outlineStyle")
    assert outline != "none"
    for _ in range(10):  # Tab on to the button (past the other radios' group, which Tab skips)
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement.textContent.trim()") == "Sign in":
            break
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("button", name=re.compile("Sign out"))).to_be_visible()


async def test_an_offering_and_a_comparison_print_without_navigation_or_forms(site, page):
    await sign_in(page, "buyer")
    ids = [o["id"] for o in (await offerings(site))[:2]]
    await page.emulate_media(media="print")
    await page.goto(f"/offerings/{ids[0]}")
    await expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    await expect(page.get_by_role("button", name="Add to shortlist")).to_be_hidden()
    await expect(page.get_by_role("heading", name="Assurance records")).to_be_visible()
    await page.goto("/offerings/compare?" + "&".join(f"ids={i}" for i in ids))
    await expect(page.locator("table.compare")).to_be_visible()
    await expect(page.get_by_role("link", name="Back to search")).to_be_hidden()
    await page.screenshot(path=SCREENSHOTS / "compare-print.png", full_page=True)


async def test_compare_says_how_many_are_chosen_and_stops_at_five(site, page):
    await page.goto("/offerings?sort=name")
    boxes = page.get_by_role("checkbox", name=re.compile("^Compare"))
    await boxes.nth(0).check()
    await expect(page.get_by_role("status")).to_have_text("1 offering selected: select at least 2 to compare")
    for n in range(1, 5):
        await boxes.nth(n).check()
    await expect(page.get_by_role("status")).to_have_text("5 offerings selected (the most you can compare)")
    await expect(boxes.nth(5)).to_be_disabled()
    await boxes.nth(0).uncheck()
    await expect(boxes.nth(5)).to_be_enabled()
    await check(page, "search-compare-chosen")


@pytest.mark.parametrize("javascript", [False])
async def test_without_javascript_a_buyer_still_filters_compares_and_shortlists(site, page):
    await sign_in(page, "buyer")
    await page.goto("/offerings")
    await page.get_by_role("group", name="Risk tier").get_by_role("checkbox").first.check()
    await page.get_by_role("button", name="Apply filters").click()
    await page.wait_for_url(re.compile(r"risk_tier="))
    boxes = page.get_by_role("checkbox", name=re.compile("^Compare"))
    await boxes.nth(0).check()
    await boxes.nth(1).check()
    await page.get_by_role("button", name="Compare selected").click()
    await expect(page.locator("table.compare thead th")).to_have_count(3)
    await page.locator("table.compare thead a").first.click()
    await page.get_by_label("Name of a new shortlist").fill("Without scripts")
    await page.get_by_role("button", name="Add to shortlist").click()
    await expect(page.get_by_role("heading", level=1, name="Without scripts")).to_be_visible()
