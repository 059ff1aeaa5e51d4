"""Issue 7: end to end in a real browser (Debian's chromium driven by Playwright), against the live portal.

Screenshots are saved under test-artifacts/ for people to look at.
"""
import json

import pytest

from tests.conftest import ARTIFACTS, shot

pytestmark = pytest.mark.browser


def test_home_page_loads(page):
    page.goto(page.base + "/")
    assert page.locator("h1").first.inner_text().startswith("Dữ liệu mở chuyển đổi số")
    assert page.locator(".card.question").count() >= 4 and page.locator(".card").count() >= 10
    shot(page, "home")


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
