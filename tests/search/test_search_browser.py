"""Issue 7: search in a real browser (Debian's chromium driven by Playwright), on a desktop and a phone.
Screenshots are saved under test-artifacts/ for people to look at."""
import pytest

from tests.conftest import ARTIFACTS, shot

pytestmark = pytest.mark.browser


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
        assert "Nay thuộc" in first.inner_text() and "Xã Lương Hòa Lạc" in first.inner_text()
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
