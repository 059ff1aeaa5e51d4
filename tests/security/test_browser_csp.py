"""Issues 7 and 13: in a real browser, the pages run under a CSP without unsafe-inline, and a map popup's link
cannot run script."""
import pytest

from tests.conftest import shot

pytestmark = pytest.mark.browser


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
