"""Issue 15: every page type in Vietnamese by default (lang="vi"), English with ?_lang=en, human column labels,
Vietnamese number and date formats, row pages that name things, readable table pages (scan of rendered HTML)."""
import re
from urllib.parse import quote

import pytest
from datasette.utils import tilde_encode

from scripts import spec

# Phrases of Datasette 0.65's own English interface (its templates), as a visitor reads them.
DATASETTE_ENGLISH = [
    "Search:", "- column -", "- remove filter -", "Apply", "rows sorted by", "Next page", "View and edit SQL",
    "This data as", "Advanced export", "Links from other tables", "Custom SQL query", "Query parameters",
    "Powered by", "Queries took", "Record not found", "Invalid SQL", "Data license", "Data source:",
    "Suggested facets", "Export CSV", "Run SQL", "Format SQL", "Sort...", "download file", "expand labels",
    "stream all rows", "JSON shape", "0 records", "0 results", "Error 404", "Error 400", "Table actions",
    "Download SQLite DB", "Edit SQL", "Many rows", "hidden table", "Table not found", "Database not found",
    ">home<", "extra where clause", "These facets timed out",
]
EXAMPLE_PARAMS = {"year": "2025", "symbol": "3382", "project_id": "", "agency": "khoa hoc", "former_name": "tan ho co",
                  "district": ""}


def visible_text(html):
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<!--.*?-->", " ", html, flags=re.S)


def page_paths(client):
    """One URL of every page type: home, database, each table, one row of each table, each canned query,
    search, two 404s and an SQL error."""
    paths = ["/", "/catalog", "/-/search?q=dong+thap", "/-/documents/dongthap-kh-215-2025", "/catalog/wards/00000", "/no-such-page",
             "/catalog/no_such_table", "/catalog?sql=select+no_such_column+from+wards"]
    for table in spec.tables():
        paths.append(f"/catalog/{table}")
        data = client.json(f"/catalog/{table}.json?_size=1&_nofacet=1")
        if data["rows"]:
            t = spec.table(table)
            row = dict(zip(data["columns"], data["rows"][0]))
            paths.append(f"/catalog/{table}/" + ",".join(tilde_encode(str(row[k])) for k in t.primary_key))
    from scripts.project import catalog_metadata

    for name, q in catalog_metadata()["queries"].items():
        names = sorted(set(re.findall(r":(\w+)", q["sql"])))
        params = "&".join(f"{p}={quote(EXAMPLE_PARAMS[p])}" for p in names)
        paths.append(f"/catalog/{name}" + (f"?{params}" if params else ""))
    return paths


@pytest.fixture(scope="module")
def pages(client):
    out = {}
    for path in page_paths(client):
        response = client.get(path)
        assert response.status_code < 500, (path, response.status_code, response.text[-800:])
        out[path] = response.text
    return out


def test_every_page_type_is_vietnamese_without_datasette_english(pages):
    assert len(pages) > 40
    for path, html in pages.items():
        assert '<html lang="vi">' in html, path
        text = visible_text(html)
        found = [p for p in DATASETTE_ENGLISH if p in text]
        assert not found, (path, found)
        assert 'class="lang-switch"' in html and ">English<" in html, path


def test_no_raw_identifier_is_a_column_header(pages):
    for path, html in pages.items():
        for th in re.findall(r"<th\b(?![^>]*\bhidden\b)[^>]*>(.*?)</th>", html, flags=re.S):
            label = re.sub(r"<[^>]+>|&nbsp;|[▲▼]", "", th).strip()
            assert label and not re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+|[a-z]+_?", label) or label in ("#",), (path, label)


def test_tab_titles_name_the_page(pages):
    titles = {path: re.search(r"<title>(.*?)</title>", html, flags=re.S).group(1) for path, html in pages.items()}
    assert titles["/catalog/wards"].startswith("Xã, phường, đặc khu (204 dòng)")
    assert titles["/catalog/wards/00000"].startswith("Không tìm thấy")
    assert "catalog:" not in " ".join(titles.values())
    assert titles["/catalog?sql=select+no_such_column+from+wards"].startswith("Câu lệnh SQL bị lỗi")


def test_the_english_switch_shows_english_on_the_same_pages(client, pages):
    for path in pages:
        english = client.get(path + ("&" if "?" in path else "?") + "_lang=en").text
        assert '<html lang="en">' in english, path
        assert ">Tiếng Việt<" in english, path
        assert "Trang sau" not in english and "Giải thích các cột" not in english, path
    page = client.get("/catalog/capital_projects?_lang=en").text
    assert ">Project name<" in page and "What the columns mean" in page and ">Tên dự án<" not in page
    vi = pages["/catalog/capital_projects"]
    assert ">Tên dự án<" in vi and "Giải thích các cột" in vi
    # The switch keeps the URL's data (filters, sorting).
    switch = re.search(r'class="lang-switch"[^>]*href="([^"]+)"', client.get("/catalog/wards?type=x%C3%A3").text)
    assert switch and "type=x%C3%A3" in switch.group(1) and "_lang=en" in switch.group(1)


def test_enumerated_values_and_foreign_keys_show_words(pages):
    tasks = pages["/catalog/task_agencies"]
    assert "chủ trì" in tasks  # role 'lead'
    assert ">lead<" not in tasks
    projects = pages["/catalog/capital_projects"]
    assert "Công an tỉnh (Đồng Tháp)" in projects  # an agency name that repeats in both provinces
    assert ">82-cong-an-tinh<" not in projects


def test_vietnamese_number_and_date_formats_on_pages_machine_values_in_data(client, db):
    pid = db.execute("select id from capital_projects where total_million_vnd >= 1000 limit 1").fetchone()[0]
    amount = db.execute("select total_million_vnd from capital_projects where id = ?", [pid]).fetchone()[0]
    page = client.get("/catalog/capital_projects/" + tilde_encode(pid)).text
    grouped = f"{int(amount):,}".replace(",", ".")
    assert f"{grouped} triệu đồng" in page
    assert client.json(f"/catalog/capital_projects/{tilde_encode(pid)}.json?_shape=array")[0]["total_million_vnd"] == amount
    task = db.execute("select id, due_date from plan_tasks where due_date like '____-__-__' limit 1").fetchone()
    y, m, d = task[1].split("-")
    assert f"{d}/{m}/{y}" in client.get("/catalog/plan_tasks/" + tilde_encode(task[0])).text
    rank = db.execute("select id, value, rank_of from indicators where unit = 'rank' and rank_of is not null").fetchone()
    if rank:
        assert f"hạng {int(rank[1])}/{rank[2]}" in client.get("/catalog/indicators/" + tilde_encode(rank[0])).text
    unpriced = db.execute("select id from capital_projects where total_million_vnd is null limit 1").fetchone()[0]
    assert "văn bản không in kinh phí" in client.get("/catalog/capital_projects/" + tilde_encode(unpriced)).text


def test_row_pages_name_the_row_and_link_names(client, db):
    page = client.get("/catalog/capital_projects/" + tilde_encode("dongthap-kh-215-2025/A.II.4")).text
    assert "<h1" in page and "Hệ thống camera giám sát giao thông đường bộ" in page.split("<h1", 1)[1][:400]
    assert re.search(r'<a class="fk" href="/catalog/agencies/82-cong-an-tinh"[^>]*>Công an tỉnh \(Đồng Tháp\)</a>', page)
    ward = db.execute("select code, name from wards where code = '28615'").fetchone()
    page = client.get("/catalog/wards/28615").text
    assert f"{ward[1]} (28615)" in page.split("<h1", 1)[1][:300]
    formers = db.execute("select former_name from ward_predecessors where ward_code = '28615'").fetchall()
    listed = page.split('class="former-units"', 1)[1].split("</section>", 1)[0]
    assert formers and all(f">{name}</a>" in listed for (name,) in formers)
    assert "Công an tỉnh (Đồng Tháp)" in client.get("/catalog/agencies/82-cong-an-tinh").text.split("<h1", 1)[1][:200]
    former = db.execute("select ward_code, former_code from ward_predecessors where ward_code = '28615' limit 1").fetchone()
    page = client.get(f"/catalog/ward_predecessors/{former[0]},{tilde_encode(former[1])}").text
    assert re.search(r'class="now-part-of">Nay thuộc <a href="/catalog/wards/28615">' + re.escape(ward[1]), page)


def test_provenance_links_to_the_passage_with_the_excerpt_marked(client):
    page = client.get("/catalog/capital_projects/" + tilde_encode("dongthap-kh-215-2025/A.II.4")).text
    link = re.search(r'class="passage-link" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    passage = client.get(link).text
    mark = re.search(r'<mark id="excerpt">(.*?)</mark>', passage, flags=re.S)
    assert mark and "camera giam sat" in mark.group(1)
    assert 'class="passage-prev"' in passage and 'class="passage-next"' in passage
    whole = re.search(r'class="passage-whole" href="([^"]+)"', passage).group(1).replace("&amp;", "&")
    assert whole.startswith("/-/documents/dongthap-kh-215-2025#p")
    text = client.get(whole.split("#")[0]).text
    assert '<html lang="vi">' in text and 'id="p203"' in text and text.count('class="passage ') > 100


def test_table_pages_show_chosen_columns_and_page_position(client):
    page = client.get("/catalog/plan_tasks").text
    assert "1–25 / 114" in page and "Trang sau" in page and "Hiện tất cả cột" in page
    header = re.search(r"<thead>(.*?)</thead>", page, flags=re.S).group(1)
    assert 'data-column="excerpt"' not in header and 'data-column="task"' in header
    assert 'data-column="excerpt"' in re.search(r"<thead>(.*?)</thead>",
                                                client.get("/catalog/plan_tasks?_cols=all").text, flags=re.S).group(1)
    following = re.search(r'class="next-page" rel="next" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    second = client.get(following).text
    assert "26–50 / 114" in second and "Trang trước" in second
    back = re.search(r'class="prev-page" rel="prev" href="([^"]+)"', second).group(1).replace("&amp;", "&")
    assert "1–25 / 114" in client.get(back).text
    third = client.get(re.search(r'class="next-page" rel="next" href="([^"]+)"', second).group(1).replace("&amp;", "&")).text
    assert "51–75 / 114" in third
    back = re.search(r'class="prev-page" rel="prev" href="([^"]+)"', third).group(1).replace("&amp;", "&")
    assert "26–50 / 114" in client.get(back).text


def test_canned_queries_for_readers(pages):
    def query(name):
        return next(html for path, html in pages.items() if path.startswith(f"/catalog/{name}?"))

    page = query("former_unit_lookup")
    assert '<label for="qp1">Tên xã, phường, thị trấn cũ</label>' in page
    assert re.search(r'<details class="sql-details"><summary>Xem câu lệnh SQL</summary>', page)
    assert re.search(r'<a href="/catalog/wards/\d{5}">', page)
    tasks = query("tasks_led_by_agency")
    assert re.search(r'<a href="/catalog/plan_tasks/[^"]+">', tasks)


def test_errors_are_vietnamese(pages):
    assert "Không tìm thấy" in pages["/catalog/wards/00000"]
    assert "Câu lệnh SQL bị lỗi" in pages["/catalog?sql=select+no_such_column+from+wards"]


def test_every_interface_word_exists_in_both_languages():
    from tests.conftest import ROOT
    from scripts.serve import i18n

    used = set()
    for path in list((ROOT / "templates").glob("*.html")) + list((ROOT / "plugins").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""_\(['"]([a-z_0-9]+)['"]\)""", text))
        used |= set(re.findall(r"""i18n\.t\(['"]([a-z_0-9]+)['"]""", text))
    ui = i18n.strings()["ui"]
    assert used and not used - set(ui), sorted(used - set(ui))
    assert all(entry.get("vi") and entry.get("en") for entry in ui.values())


def test_facet_and_paging_links_never_name_the_host(live_server):
    """The portal's table page renders facet toggles (Datasette's absolute toggle_url) and its own next/previous
    links: none may carry a Host header the visitor sent (plugins/http_policy.py replaces it before Datasette)."""
    import httpx

    page = httpx.get(live_server + "/catalog/plan_tasks?_facet=province_code&_facet=timing_kind",
                     headers={"Host": "evil.example"}, timeout=30).text
    assert 'class="facet-results"' in page and 'class="next-page"' in page
    hrefs = re.findall(r'href="([^"]+)"', page)
    assert hrefs and "evil.example" not in page
    facet_links = re.findall(r'<li><a href="([^"]+)">', page)
    assert facet_links and all(h.startswith(("/", live_server)) for h in facet_links), facet_links[:3]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_one_error_path_portal_page_for_html_json_for_data(client, lang):
    """plugins/safe_errors.py is the one handle_exception: a request-caused exception on an HTML page gets the
    portal's error page in the visitor's language (400, no exception text), the same request as JSON the fixed
    bilingual message; plugins/param_guard.py's refusals use the same page."""
    suffix = "&_lang=en" if lang == "en" else ""
    page = client.get("/catalog/wards?code__in=[1,2" + suffix)
    assert page.status_code == 400 and f'<html lang="{lang}">' in page.text and 'class="error-box"' in page.text
    text = visible_text(page.text)
    assert ("parameters are not valid" in text) == (lang == "en") and ("Tham số" in text) == (lang == "vi")
    assert "invalid literal" not in text and "Traceback" not in text and "JSONDecodeError" not in text
    data = client.get("/catalog/wards.json?code__in=[1,2" + suffix)
    assert data.status_code == 400 and "Tham số" in data.json()["error"] and "parameters" in data.json()["error"]
    guarded = client.get("/catalog/wards?_sort=name&_sort_desc=code" + suffix)
    assert guarded.status_code == 400 and 'class="error-box"' in guarded.text and f'<html lang="{lang}">' in guarded.text
    assert ("Chỉ dùng một trong hai" in guarded.text) == (lang == "vi")
    missing = client.get("/catalog/wards/00000" + ("?_lang=en" if lang == "en" else ""))
    assert missing.status_code == 404 and ("Record not found" in missing.text) == (lang == "en")


def test_inferred_values_are_marked_inferred_in_both_languages(client):
    """Issue 14 on the portal's row page: the inferred lead of a task and its basis sit in their own box, not among
    the printed fields, in Vietnamese and in English; a task whose lead is printed has no such box."""
    from datasette.utils import tilde_encode

    path = "/catalog/plan_tasks/" + tilde_encode("dongthap-kh-215-2025/III.1.a")
    for suffix, heading in (("", "Không in trong trích đoạn"), ("?_lang=en", "Not printed in the excerpt")):
        page = client.get(path + suffix).text
        box = re.search(r'<section class="inferred">(.*?)</section>', page, flags=re.S)
        assert box and heading in box.group(1) and "Suy ra từ Mục VI.2.a" in box.group(1), suffix
        assert "Sở Khoa học và Công nghệ" in box.group(1)
        printed = re.search(r'<dl class="row-fields">(.*?)</dl>', page, flags=re.S).group(1)
        assert "Suy ra từ" not in printed and "inferred_lead" not in printed
    page = client.get("/catalog/plan_tasks?id=" + quote("dongthap-kh-215-2025/III.1.a", safe="")).text
    assert re.search(r'<td class="col-inferred_lead_id type-str inferred" title="Suy ra từ Mục VI\.2\.a', page)


def test_search_page_words_follow_the_language(client):
    """The ranked search page (issue 16) inside the portal (issue 15): kinds, context labels and the page's words
    in Vietnamese by default and in English with _lang=en; the JSON follows the same switch."""
    vi = client.get("/-/search?q=phu+kiet").text
    en = client.get("/-/search?q=phu+kiet&_lang=en").text
    assert '<html lang="vi">' in vi and "Đơn vị hành chính cũ" in vi and "Nay thuộc" in vi
    assert '<html lang="en">' in en and ">Former unit<" in en and "Now part of" in en
    assert "Đơn vị hành chính cũ" not in en and "Gõ có dấu" not in en
    assert client.json("/-/search.json?q=phu+kiet&_lang=en")["results"][0]["kind"] == "Former unit"


def test_home_download_card_leads_to_every_tables_files(client):
    """The question card 'Tải toàn bộ dữ liệu' points to the home page's list of whole-table files (issue 12's
    /-/downloads/ files), which names every visible table and no hidden one (search_vocabulary)."""
    page = client.get("/").text
    card = re.search(r'<div class="card question">\s*<h3><a href="([^"]+)">Tải toàn bộ dữ liệu</a>', page)
    assert card and card.group(1) == "#downloads"
    section = page.split('id="downloads"', 1)[1].split("<h2", 1)[0]
    visible = [t["name"] for t in client.json("/catalog.json")["tables"] if not t["hidden"]]
    for table in visible:
        assert f'href="/-/downloads/{table}.csv"' in section, table
    assert "search_vocabulary" not in page
