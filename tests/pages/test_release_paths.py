"""Paths a user takes before release (the QA pass over issues 11–16), each pinned where it was found broken:

- a canned query's Excel file carried raw column identifiers ("province", "agency") as its header while its page
  and the table downloads show the Vietnamese labels;
- error pages of a Vietnamese visitor kept English tails ("wards has no such column", "rows are addressed by",
  "_size must be a positive integer", "fts5: syntax error near", and the search page answered a too-long query
  with bare JSON);
- the facet lists cut Vietnamese words mid-syllable (Datasette's `word-break: break-all`);
- README's example search call on plan_tasks returned an empty list.
"""
import html
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def visible_text(body):
    body = re.sub(r"<script.*?</script>|<style.*?</style>|<textarea.*?</textarea>|<pre.*?</pre>", " ", body,
                  flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def header_labels(page):
    return [html.unescape(re.sub(r"<[^>]+>", "", m)).strip()
            for m in re.findall(r'<th class="col-[^"]*"[^>]*>(.*?)</th>', page, re.S)]


@pytest.mark.parametrize("query", ["tasks_led_by_agency?agency=khoa+hoc", "former_unit_lookup?former_name=phu+kiet",
                                   "projects_per_owner"])
def test_canned_query_xlsx_has_the_labels_its_page_shows(client, query):
    import openpyxl

    name, _, args = query.partition("?")
    page = client.get(f"/catalog/{query}")
    assert page.status_code == 200
    shown = header_labels(page.text)
    assert shown, "the query page shows a result table"
    response = client.get(f"/catalog/{name}.xlsx" + (f"?{args}" if args else ""))
    assert response.status_code == 200, response.text[:300]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header == shown
    columns = client.json(f"/catalog/{name}.json" + (f"?{args}" if args else ""))["columns"]
    assert header != columns, "Vietnamese labels, not the raw column identifiers"


BAD_REQUESTS = [
    ("/catalog/wards?_sort=nope", 400, "has no such column"),
    ("/catalog/plan_tasks/a,b", 404, "addressed by"),
    ("/catalog/wards?_size=abc", 400, "must be a positive integer"),
    ("/catalog/wards?_size=99999", 400, "must be <="),
    ("/catalog/wards?_search=%22", 400, "syntax error"),
    ("/-/search?q=" + "x" * 1100, 400, "longer than"),
]


@pytest.mark.parametrize("path,status,english", BAD_REQUESTS)
def test_error_pages_speak_the_visitors_language(client, path, status, english):
    page = client.get(path)
    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="vi">' in page.text
    text = visible_text(page.text)
    assert english not in text, text[:400]
    assert "Yêu cầu không hợp lệ" in text or "Không tìm thấy" in text
    english_page = client.get(path + ("&" if "?" in path else "?") + "_lang=en")
    assert english_page.status_code == status
    assert '<html lang="en">' in english_page.text


def test_the_sort_message_names_the_column_in_both_languages(client):
    assert "Không sắp xếp được, không có cột: &#39;nope&#39;" in client.get("/catalog/wards?_sort=nope").text
    assert "Cannot sort, no such column" in client.get("/catalog/wards?_sort=nope&_lang=en").text
    # The JSON API keeps its message (machine readers) and still names the column.
    response = client.get("/catalog/wards.json?_sort=nope")
    assert response.status_code == 400 and "no such column: 'nope'" in response.json()["error"]


def test_search_too_long_stays_json_on_the_json_route(client):
    response = client.get("/-/search.json?q=" + "x" * 1100)
    assert response.status_code == 400
    assert response.json()["ok"] is False


def test_readme_search_examples_find_rows(client):
    """Every `_search=` call README shows returns at least one row (one returned [] before)."""
    calls = re.findall(r"curl '[^']*?(/catalog/[a-z_]+\.json\?[^']*_search=[^']*)'", (ROOT / "README.md").read_text())
    assert calls
    for call in calls:
        rows = client.json(call.replace("_shape=array", "_shape=objects").replace("&_nl=on", ""))
        assert rows["rows"], call


def test_facet_values_wrap_between_words(live_server):
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{live_server}/catalog/plan_tasks")
            item = page.locator(".table-facets ul.tight-bullets li").first
            item.wait_for()
            assert item.evaluate("li => getComputedStyle(li).wordBreak") != "break-all"
            # No facet line starts inside a word: every line break of a facet value falls at a space.
            broken = page.evaluate("""() => [...document.querySelectorAll('.table-facets ul.tight-bullets li a')]
                .filter(a => {
                  const text = a.textContent, range = document.createRange(), node = a.firstChild;
                  if (!node || node.nodeType !== 3) return false;
                  let lastTop = null;
                  for (let i = 0; i < text.length; i++) {
                    range.setStart(node, i); range.setEnd(node, i + 1);
                    const top = range.getBoundingClientRect().top;
                    if (lastTop !== null && top > lastTop + 2 && text[i - 1] !== ' ' && text[i] !== ' '
                        && /\\p{L}/u.test(text[i - 1]) && /\\p{L}/u.test(text[i])) return true;
                    lastTop = top;
                  }
                  return false;
                }).map(a => a.textContent)""")
            assert broken == [], broken[:3]
        finally:
            browser.close()


@pytest.mark.parametrize("sql,english,vietnamese", [
    ("select 1 from", "incomplete input", "Câu lệnh chưa hết"),
    ("select 1; select 2", "You can only execute one statement", "Mỗi lần chỉ chạy được một câu lệnh"),
    ("select abs()", "wrong number of arguments", "Sai số đối số của hàm"),
])
def test_sql_editor_errors_in_vietnamese(client, sql, english, vietnamese):
    page = client.get("/catalog", params={"sql": sql})
    assert page.status_code == 400
    text = visible_text(page.text)
    assert vietnamese in text and english not in text, text[:400]
    assert english in visible_text(client.get("/catalog", params={"sql": sql, "_lang": "en"}).text)


def test_money_per_owner_shows_the_kind_of_money_in_words(client):
    """The stored words allocated/planned/proposed are shown as the spec's Vietnamese words on the page (they
    were shown raw), in English with _lang=en, and stay machine values in the data formats."""
    cells = lambda page: {html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                          for c in re.findall(r"<td[^>]*>(.*?)</td>", page, re.S)}
    vi = cells(client.get("/catalog/money_per_owner").text)
    assert {"đã cấp", "dự kiến bố trí"} <= vi and not {"allocated", "planned", "proposed"} & vi
    assert "allocated" in cells(client.get("/catalog/money_per_owner?_lang=en").text)
    rows = client.json("/catalog/money_per_owner.json?_shape=array")
    assert {r["measure"] for r in rows} >= {"allocated", "planned"}
    headers = header_labels(client.get("/catalog/money_per_owner").text)
    assert len(headers) == len(set(headers)), headers
