"""Issue 7: end to end in a real browser (Debian's chromium driven by Playwright), against the live portal.

Screenshots are saved under test-artifacts/ for people to look at.
"""
import json
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # No lookups outside this machine: the portal is on loopback, everything else fails at once.
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
]


@pytest.fixture(scope="module")
def page(live_server):
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is installed by `make test` (make browser)"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
        page = context.new_page()
        page.set_default_timeout(15000)
        page.base = live_server
        yield page
        browser.close()


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def test_home_page_loads(page):
    page.goto(page.base + "/")
    assert page.locator("h1").first.inner_text().startswith("Dữ liệu mở chuyển đổi số")
    assert page.locator(".card.question").count() >= 4 and page.locator(".card").count() >= 10
    shot(page, "home")


def test_search_without_diacritics_finds_the_rows(page):
    page.goto(page.base + "/")
    page.fill("input[name=q]", "camera giam sat")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/-/search?q=camera*")
    first = page.locator("li.search-result").first
    assert first.get_attribute("data-table") == "capital_projects"
    assert "Hệ thống camera giám sát giao thông đường bộ" in first.inner_text()
    assert first.locator("mark").count() >= 3
    shot(page, "search")


def test_phone_search_without_diacritics_follows_the_first_result(page):
    """On a phone (390×844), type a former commune's name without diacritics and follow the first result."""
    context = page.context.browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                               is_mobile=True, has_touch=True, locale="vi-VN")
    base, page = page.base, context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(base + "/")
        page.fill("input[name=q]", "xa phu kiet nay la xa nao")
        page.press("input[name=q]", "Enter")
        page.wait_for_url("**/-/search?q=*")
        first = page.locator("li.search-result").first
        assert first.locator(".result-kind").inner_text().lower() == "đơn vị hành chính cũ"
        assert "Xã Phú Kiết" in first.locator(".result-title").inner_text()
        assert "nay là" in first.inner_text() and "Xã Lương Hòa Lạc" in first.inner_text()
        # Nothing wider than the phone: the result list fits the viewport.
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390 + 1, width
        page.screenshot(path=str(ARTIFACTS / "search-phone-390x844.png"), full_page=False)
        first.locator(".result-title").click()
        page.wait_for_url("**/catalog/ward_predecessors/28615,28609")
        assert "Xã Phú Kiết" in page.locator("body").inner_text()
        assert "Xã Lương Hòa Lạc" in page.locator("p.now-part-of").inner_text()
        page.screenshot(path=str(ARTIFACTS / "search-phone-row.png"), full_page=False)
    finally:
        context.close()


def test_search_page_screenshots(page):
    """The search page at 1280×900 for people to look at (test-artifacts/search-1280x900.png)."""
    page.goto(page.base + "/-/search?q=" + "thu+dien+tu+cong+vu")
    assert page.locator("section.passages h2").inner_text().startswith("Trong văn bản gốc")
    page.screenshot(path=str(ARTIFACTS / "search-1280x900.png"), full_page=False)


def test_clicking_a_facet_narrows_the_table(page):
    page.goto(page.base + "/catalog/wards")
    before = page.locator(".table-count").first.inner_text()
    assert "/ 204" in before
    page.locator('.facet-info[data-column="type"] a', has_text="đặc khu").first.click()
    page.wait_for_url("**type=*")
    assert "1–3 / 3" in page.locator(".table-count").first.inner_text()
    assert page.locator("table.rows-and-columns tbody tr").count() == 3
    shot(page, "facet")


def test_row_page_shows_its_source_excerpt(page):
    page.goto(page.base + "/catalog/capital_projects/dongthap-kh-215-2025~2FA~2EII~2E4")
    provenance = page.locator("section.provenance")
    assert "Phụ lục II, A.II.4" in provenance.inner_text()
    assert "camera giam sat" in provenance.locator("blockquote.excerpt").inner_text()
    provenance.locator("a.passage-link").click()
    page.wait_for_url("**/document_passages/**")
    assert "camera" in page.content()
    shot(page, "row-provenance")


def test_wards_page_shows_the_cluster_map_with_markers(page):
    page.goto(page.base + "/catalog/wards")  # 100 rows a page: the map pages through the rest itself
    page.wait_for_selector(".leaflet-container", state="attached")
    page.wait_for_selector(".marker-cluster, .leaflet-marker-icon", state="attached")

    def markers_shown():
        counts = page.locator(".marker-cluster span").all_inner_texts()
        return sum(int(c) for c in counts) + page.locator(".leaflet-marker-icon:not(.marker-cluster)").count()

    # Clusters and single markers add up to all 204 wards of both provinces.
    page.wait_for_function("() => document.querySelectorAll('.leaflet-marker-icon').length > 0")
    for _ in range(50):
        if markers_shown() == 204:
            break
        page.wait_for_timeout(200)
    assert markers_shown() == 204
    page.locator(".leaflet-container").screenshot(path=str(ARTIFACTS / "map.png"))


def test_json_link_returns_json(page):
    page.goto(page.base + "/catalog/wards?province_code=82")
    # The API page link (issue 12: labelled "trang này", "this page" in English; the result's whole JSON is
    # another link), inside the folded downloads block (issue 15).
    page.locator("details.export > summary").click()
    link = page.locator('a[data-export="page"][href*=".json"]').first
    assert "trang này" in link.inner_text()
    href = link.get_attribute("href")
    response = page.request.get(page.base + href if href.startswith("/") else href)
    assert response.ok and response.headers["content-type"].startswith("application/json")
    assert json.loads(response.text())["filtered_table_rows_count"] == 102


def test_pages_run_under_a_csp_without_unsafe_inline(page):
    """The CSP allows scripts from this origin and, by hash, the inline scripts Datasette and
    datasette-cluster-map render: the map, the table page's script and the SQL editor work with no violation,
    while a `javascript:` link (the map-popup attack of issue 13) is blocked."""
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    response = page.goto(page.base + "/catalog/wards")
    script_src = next(d for d in response.headers["content-security-policy"].split(";") if "script-src" in d)
    assert "'unsafe-inline'" not in script_src and "'sha256-" in script_src
    page.wait_for_selector(".leaflet-marker-icon", state="attached")
    page.goto(page.base + "/catalog/plan_tasks")
    page.wait_for_function("() => window.DATASETTE_ALLOW_FACET === true")
    page.goto(page.base + "/catalog?sql=select+10.45+as+latitude,+105.63+as+longitude")
    page.wait_for_selector(".CodeMirror", state="attached")  # the editor's inline start-up script ran
    page.wait_for_selector(".leaflet-marker-icon", state="attached")  # the map of an ad-hoc query
    # The portal's pages (issue 15) in both languages: home, table with map, row, canned query; their page words
    # travel in a JSON data block, which the policy does not need to allow and portal.js reads.
    task = "/catalog/plan_tasks/dongthap-kh-215-2025~2FIII~2E1~2Ea"  # its lead is inferred: the inferred box
    for path in ["/", "/?_lang=en", "/catalog/wards?_lang=en", task, task + "?_lang=en", "/catalog/targets_2030",
                 "/catalog/former_unit_lookup?former_name=tan+ho+co&_lang=en", "/catalog/no_such_table"]:
        response = page.goto(page.base + path)
        assert response.status == (404 if "no_such" in path else 200), path
        assert page.evaluate("() => JSON.parse(document.getElementById('portal-data').textContent).lang") == (
            "en" if "_lang=en" in path else "vi"), path
    page.goto(page.base + "/catalog/wards?type=%C4%91%E1%BA%B7c+khu")
    page.wait_for_selector(".leaflet-marker-icon", state="attached")
    assert violations == []
    page.evaluate("""() => { const a = document.createElement('a'); a.id = 'attack';
                             a.href = 'javascript:window.pwned = 1'; a.textContent = 'x';
                             document.body.prepend(a); }""")
    page.click("#attack")
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.pwned") is None
    assert any("Content Security Policy" in v for v in violations)


def test_map_popup_links_run_no_script(page):
    """Issue 13: a query's popup column with a javascript: link draws a popup whose link cannot run script;
    an https link in the same kind of popup still works."""
    from urllib.parse import quote

    sql = ("select 10.45 as latitude, 105.63 as longitude, "
           "'{\"title\":\"x-evil\",\"link\":\"javascript:alert(document.domain)\"}' as popup "
           "union all select 10.9, 106.2, '{\"title\":\"x-good\",\"link\":\"https://example.org/ok\"}'")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(page.base + "/catalog?sql=" + quote(sql))
    page.wait_for_selector(".leaflet-marker-icon", state="attached")
    page.wait_for_function("() => document.querySelectorAll('.leaflet-marker-icon').length == 2")
    links = {}
    for index in range(2):
        page.locator(".leaflet-marker-icon").nth(index).click(force=True)
        page.wait_for_function("(seen) => { const a = document.querySelector('.leaflet-popup-content a');"
                               " return a && !seen.includes(a.innerText.trim()); }", arg=list(links))
        link = page.locator(".leaflet-popup-content a")
        title = link.inner_text().strip()
        links[title] = link.get_attribute("href")
        if title == "x-evil":
            link.click(force=True)
            page.wait_for_timeout(300)
            shot(page, "map-popup-javascript-link")
    assert links == {"x-evil": None, "x-good": "https://example.org/ok"}
    assert dialogs == []
