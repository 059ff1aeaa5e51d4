"""Issue 15 in a real browser (Debian's chromium), at a laptop's 1280×900 and a phone's 390×844: the first data
row of every table page is on the first screen, a phone never scrolls sideways, a row page links names; a
screenshot of each page type at both sizes goes to test-artifacts/portal-<page>-<size>.png."""
from pathlib import Path

import pytest
from datasette.utils import tilde_encode

from scripts import spec
from tests.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
PAGE_TYPES = {
    "home": "/", "database": "/catalog", "table": "/catalog/capital_projects", "table-tasks": "/catalog/plan_tasks",
    "table-wards": "/catalog/wards", "document-text": "/-/documents/dongthap-kh-215-2025",
    "row": "/catalog/capital_projects/" + tilde_encode("dongthap-kh-215-2025/A.II.4"),
    "row-ward": "/catalog/wards/28615",
    "row-task-inferred": "/catalog/plan_tasks/" + tilde_encode("dongthap-kh-215-2025/III.1.a"),
    "row-task-inferred-english": "/catalog/plan_tasks/" + tilde_encode("dongthap-kh-215-2025/III.1.a") + "?_lang=en",
    "passage": "/catalog/document_passages/" + tilde_encode("dongthap-kh-215-2025/0203")
               + "?_excerpt_of=" + tilde_encode("capital_projects/dongthap-kh-215-2025/A.II.4"),
    "query": "/catalog/former_unit_lookup?former_name=tan+ho+co&district=",
    "search": "/-/search?q=camera+giam+sat", "404": "/catalog/wards/00000",
    "sql-error": "/catalog?sql=select+no_such_column+from+wards", "english": "/catalog/capital_projects?_lang=en",
}


@pytest.fixture(scope="module", params=list(SIZES))
def sized(request, live_server):
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is installed by `make test` (make browser)"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=SIZES[request.param], locale="vi-VN")
        page = context.new_page()
        page.set_default_timeout(15000)
        page.base, page.size_name = live_server, request.param
        yield page
        browser.close()


def no_sideways_scroll(page):
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_first_data_row_is_on_the_first_screen_of_every_table(sized):
    height = SIZES[sized.size_name]["height"]
    for table in spec.tables():
        sized.goto(sized.base + f"/catalog/{table}")
        row = sized.locator("table.rows-and-columns tbody tr").first
        box = row.bounding_box()
        assert box is not None, table
        assert box["y"] + min(box["height"], 40) <= height, (table, sized.size_name, box)
        if sized.size_name == "phone":
            assert no_sideways_scroll(sized), table


def test_each_page_type_screenshot_and_no_sideways_scroll(sized):
    for name, path in PAGE_TYPES.items():
        sized.goto(sized.base + path)
        assert sized.locator("html").get_attribute("lang") == ("en" if "_lang=en" in path else "vi"), name
        sized.screenshot(path=str(ARTIFACTS / f"portal-{name}-{sized.size_name}.png"), full_page=False)
        if sized.size_name == "phone":
            assert no_sideways_scroll(sized), name


def test_row_page_links_names(sized):
    sized.goto(sized.base + PAGE_TYPES["row"])
    owner = sized.locator("a.fk", has_text="Công an tỉnh (Đồng Tháp)")
    assert owner.count() == 1 and owner.get_attribute("title") == "82-cong-an-tinh"
    owner.click()
    sized.wait_for_url("**/catalog/agencies/82-cong-an-tinh")
    assert "Công an tỉnh" in sized.locator("h1").inner_text()


def test_english_switch_keeps_the_filters(sized):
    sized.goto(sized.base + "/catalog/wards?type=%C4%91%E1%BA%B7c+khu")
    sized.locator("a.lang-switch").click()
    sized.wait_for_url("**_lang=en*")
    assert sized.locator("html").get_attribute("lang") == "en"
    assert "1–3 / 3" in sized.locator(".table-count").inner_text()


def test_map_popups_show_labels(sized):
    sized.goto(sized.base + "/catalog/wards?type=%C4%91%E1%BA%B7c+khu")
    sized.wait_for_selector(".leaflet-marker-icon:not(.marker-cluster)", state="attached")
    sized.locator(".leaflet-marker-icon:not(.marker-cluster)").first.click(force=True)
    popup = sized.locator(".leaflet-popup-content dl")
    popup.wait_for()
    assert "Tên đầy đủ" in popup.inner_text() and popup.locator('dt[title="name"]').count() == 1
    assert "Đặc khu" in popup.inner_text()
