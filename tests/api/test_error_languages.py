"""Every 4xx a person or program gets says what went wrong in Vietnamese first, then in English: "Vietnamese ·
English" in the JSON (the shape of the project's own messages), the page's language on HTML pages. Walks the table
view's parameters, and checks that every message Datasette 0.65's table view, filters, facets and renderers can
raise has its Vietnamese words in scripts/serve/i18n.yml."""
import ast
import re
from html import unescape
from pathlib import Path

import datasette
import pytest

from scripts.serve.i18n import error_message

T = "/catalog/capital_projects"
# (query string, words the English message holds): one bad request per table-view parameter.
BAD_TABLE_REQUESTS = [
    ("_size=abc", "_size must be a positive integer"),
    ("_size=99999", "_size must be <= 1000"),
    ("_size=-3", "_size must be a positive integer"),
    ('_search="', "Search syntax error"),
    ("_through=garbage", "_through must be JSON"),
    ('_through={"table":"nope","column":"x","value":1}', "_through names a missing"),
    ("_sort=nonexistent", "Cannot sort, no such column"),
    ("_sort_desc=nonexistent", "Cannot sort, no such column"),
    ("_sort=id&_sort_desc=name", "not both"),
    ("_facet=nonexistent", "no such column: nonexistent"),
    ("_facet_array=nonexistent", "no such column"),
    ("_facet_date=nonexistent", "no such column: nonexistent"),
    ("_col=nonexistent", "_col=nonexistent - invalid columns"),
    ("_nocol=nonexistent", "_nocol=nonexistent - invalid columns"),
    ("_search_nonexistent=x", "Cannot search by that column"),
    ("_timelimit=abc", "_timelimit must be"),
    ("_shape=nonsense", "Invalid _shape: nonsense"),
    ("name__in=[1,2", "parameters are not valid"),
]
GENERIC = ("Yêu cầu không hợp lệ:", "Không tìm thấy trang này:", "Không được phép:")


def split(error):
    vietnamese, sep, english = error.partition(" · ")
    assert sep, f"not bilingual: {error!r}"
    return vietnamese, english


@pytest.mark.parametrize("query,english", BAD_TABLE_REQUESTS)
def test_table_view_errors_in_json_are_vietnamese_then_english(client, query, english):
    response = client.get(f"{T}.json?{query}")
    assert 400 <= response.status_code < 500, (query, response.status_code)
    vietnamese, said = split(response.json()["error"])
    assert english in said
    # Vietnamese words of their own, not the English message under a generic heading.
    assert vietnamese != said and not vietnamese.startswith(GENERIC), vietnamese
    assert re.search(r"[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]", vietnamese.lower())
    title = response.json().get("title")
    if title:
        assert split(title)[0] != split(title)[1]


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "xlsx", "geojson"])
@pytest.mark.parametrize("query", ["_sort=nonexistent", "_through=garbage"])
def test_every_data_format_answers_its_errors_as_json(client, fmt, query):
    """A program asking for JSON Lines, CSV, XLSX or GeoJSON gets a JSON error it can read, never an HTML page."""
    response = client.get(f"{T}.{fmt}?{query}")
    assert response.status_code == 400 and response.headers["content-type"].startswith("application/json"), (
        fmt, query, response.status_code, response.headers["content-type"])
    vietnamese, said = split(response.json()["error"])
    assert vietnamese != said and said


@pytest.mark.parametrize("query,english", [r for r in BAD_TABLE_REQUESTS if not r[0].startswith("_shape")])
def test_table_view_errors_on_pages_follow_the_page_language(client, query, english):
    vi = client.get(f"{T}?{query}")
    en = client.get(f"{T}?{query}&_lang=en")
    assert 400 <= vi.status_code < 500 and vi.status_code == en.status_code, query
    box = re.compile(r'<div class="error-box"[^>]*>(.*?)</div>', re.S)
    vi_text, en_text = (unescape(re.sub(r"<[^>]+>", " ", box.search(r.text)[1])) for r in (vi, en))
    json_vi, json_en = split(client.get(f"{T}.json?{query}").json()["error"])
    assert json_vi.split(":")[0] in vi_text and english not in vi_text, (query, vi_text)
    assert english in en_text, (query, en_text)


def test_not_found_and_ad_hoc_sql_errors_are_bilingual(client):
    for path, english in [("/catalog/nope.json", "Table not found"), ("/nope.json", "Database not found"),
                          (f"{T}/nope.json", "Record not found"),
                          ("/catalog.json?sql=select+nope", "no such column: nope"),
                          ("/catalog.json?sql=select+*+from+nope", "no such table: nope"),
                          ("/catalog.json?sql=select+1+from", "incomplete input"),
                          ("/catalog.json?sql=select+cast(x'ff'+as+text)", "Could not decode to UTF-8"),
                          ("/catalog.json?sql=select+1+union+select+1,2", "do not have the same number"),
                          ("/catalog.json?sql=select+1+order+by+5", "ORDER BY term out of range")]:
        response = client.get(path)
        assert 400 <= response.status_code < 500, path
        vietnamese, said = split(response.json()["error"])
        assert english in said and not vietnamese.startswith(GENERIC), (path, vietnamese)


def raised_messages():
    """The literal (or f-string) message of every `raise BadRequest/DatasetteError/NotFound/Forbidden(...)` in
    Datasette's table view, filters, facets, renderers and base view; {} where the f-string puts a value."""
    root = Path(datasette.__file__).parent
    found = set()
    for name in ["views/table.py", "views/base.py", "views/row.py", "filters.py", "facets.py", "renderer.py",
                 "blob_renderer.py"]:
        for node in ast.walk(ast.parse((root / name).read_text())):
            call = node.exc if isinstance(node, ast.Raise) else None
            if not (isinstance(call, ast.Call) and getattr(call.func, "id", "") in
                    ("BadRequest", "DatasetteError", "NotFound", "Forbidden") and call.args):
                continue
            first = call.args[0]
            if isinstance(first, ast.Call) and isinstance(first.func, ast.Attribute) and first.func.attr == "format":
                first = first.func.value  # "_col={} - invalid columns".format(...)
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value)
            elif isinstance(first, ast.JoinedStr):
                found.add("".join(v.value if isinstance(v, ast.Constant) else "{}" for v in first.values))
    return sorted(m for m in found if m.strip() and "<p>" not in m)


def test_every_message_datasette_raises_has_vietnamese_words():
    messages = raised_messages()
    assert "_size must be a positive integer" in messages and "Cannot sort table by {}" in messages
    untranslated = [m for m in messages if error_message(m.replace("{}", "x"), "vi") == m.replace("{}", "x")]
    assert not untranslated
