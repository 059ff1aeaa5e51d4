"""Issue 5: search with or without diacritics, spellings, phrases, the search page, malformed searches, vn_fold."""
import re
import unicodedata
from urllib.parse import quote

import pytest

DONG_THAP_SPELLINGS = ["dong thap", "Dong Thap", "DONG THAP", "Đồng Tháp", "đồng tháp",
                       unicodedata.normalize("NFD", "Đồng Tháp")]
OCR_TITLE_PASSAGE = "dongthap-kh-215-2025/0002"  # "Chuyén d6i s6 tinh Pong Thap niam 2025"

# (table, query, a primary key that must be among the results)
QUERY_TABLE = [
    *[("documents", q, "dongthap-kh-215-2025") for q in DONG_THAP_SPELLINGS],
    *[("document_passages", q, OCR_TITLE_PASSAGE) for q in DONG_THAP_SPELLINGS],
    ("capital_projects", "camera giam sat", "dongthap-kh-215-2025/A.II.4"),
    ("capital_projects", "Camera Giám Sát", "dongthap-kh-215-2025/A.II.4"),
    ("capital_projects", "thu vien dien tu", "dongthap-kh-215-2025/A.II.6"),
    ("wards", "tan ho co", "29929"),
    ("wards", "TÂN HỘ CƠ", "29929"),
    ("ward_predecessors", "tan ho co", "29929,29929"),
    ("agencies", "khoa hoc va cong nghe", "91-so-khoa-hoc-va-cong-nghe"),
    ("agencies", "S6 KH&CN", "82-so-khoa-hoc-va-cong-nghe"),
    ("plan_tasks", "an ninh mang", "angiang-kh-15-du-2025/8.2"),
    ("indicators", "chu ky so", "dongthap-bc-222-2025/ii1dd-chu-ky-so"),
    ("decisions", "trung tam dieu hanh thong minh", "3440-qd-ubnd"),
]


def table_search_pks(client, table, q):
    data = client.json(f"/catalog/{table}.json?_search={quote(q)}&_size=max&_shape=objects")
    everything = client.json(f"/catalog/{table}.json?_size=0")
    assert data["filtered_table_rows_count"] < everything["filtered_table_rows_count"], "the search did not filter"
    return {",".join(str(row[k]) for k in everything["primary_keys"]) for row in data["rows"]}


@pytest.mark.parametrize("table,q,pk", QUERY_TABLE, ids=[f"{t}:{q}" for t, q, _ in QUERY_TABLE])
def test_table_search_finds_with_or_without_diacritics(client, table, q, pk):
    assert pk in table_search_pks(client, table, q)


@pytest.mark.parametrize("table,q,pk", QUERY_TABLE, ids=[f"{t}:{q}" for t, q, _ in QUERY_TABLE])
def test_all_tables_search_finds_the_same(client, table, q, pk):
    """The search box finds the row (curated rows) or links to the table search that does (passages, of which
    the box shows the best ten)."""
    from datasette.utils import tilde_encode

    data = client.json(f"/-/search.json?q={quote(q)}")
    shown = {(r["table"], r["pk"]) for r in data["results"]}
    if table == "document_passages":
        assert any(t == table for t, _ in shown)
        more = data["more"][table]
        assert more.startswith(f"/catalog/{table}?_search=")
        assert client.get(more).status_code == 200
    else:
        assert (table, ",".join(tilde_encode(part) for part in pk.split(","))) in shown


def test_spellings_of_dong_thap_return_the_same_rows(client):
    counts = {q: len(table_search_pks(client, "document_passages", q)) for q in DONG_THAP_SPELLINGS}
    assert len(set(counts.values())) == 1 and counts["dong thap"] > 40


def strip_marks(html):
    return re.sub(r"</?mark>", "", html)


def test_exact_spelling_ranks_first(client):
    """Folding merges Tân Thành and Tân Thạnh; the spelling typed comes first."""
    for typed, expected in [("Tân Thạnh", "Xã Tân Thạnh"), ("Tân Thành", "Xã Tân Thành")]:
        rows = [r for r in client.json(f"/-/search.json?q={quote(typed)}")["results"] if r["table"] == "wards"]
        assert strip_marks(rows[0]["title"]) == expected
        assert {strip_marks(r["title"]) for r in rows} >= {"Xã Tân Thạnh", "Xã Tân Thành"}


def test_quoted_phrase_searches_the_phrase(client):
    phrase = client.json("/-/search.json?q=" + quote('"hạ tầng số"'))
    words = client.json("/-/search.json?q=" + quote("hạ tầng số"))
    assert phrase["terms"] == ["ha tang so"] and words["terms"] == ["ha", "tang", "so"]
    for r in phrase["results"]:
        if r["group"] == "curated":
            assert "<mark>hạ</mark> <mark>tầng</mark> <mark>số</mark>" in (r["title"] + r["snippet"]).lower()


def test_search_page_lists_results_with_their_kind(client):
    page = client.get("/-/search?q=camera+giam+sat").text
    assert 'data-table="capital_projects"' in page
    assert "Hệ thống camera giám sát giao thông" in strip_marks(page)
    assert 'class="result-kind">Dự án<' in page
    assert 'action="/-/search"' in client.get("/").text


def test_malformed_search_is_a_4xx(client):
    for q in ['"', 'a"b', "(", "*", "NEAR(", "AND"]:
        response = client.get("/-/search.json?q=" + quote(q))
        assert response.status_code in (200, 400), (q, response.status_code)
        response = client.get("/catalog/plan_tasks.json?_search=" + quote(q))
        assert response.status_code < 500, (q, response.status_code)


@pytest.mark.parametrize("text,folded", [
    ("ĐỒNG THÁP", "dong thap"), ("Đồng Tháp", "dong thap"), ("đường", "duong"), ("Dương", "duong"),
    ("ƯƠ ươ Ơ", "uo uo o"), (unicodedata.normalize("NFD", "Tiền Giang"), "tien giang"),
    ("Hồ Chí Minh", "ho chi minh"), ("", ""), ("KH&CN 2025", "kh&cn 2025"),
])
def test_vn_fold_sql_function(client, text, folded):
    rows = client.json("/catalog.json?sql=" + quote("select vn_fold(:t) as f") + "&t=" + quote(text) + "&_shape=array")
    assert rows == [{"f": folded}]


def test_vn_fold_compares_where_lower_cannot(client):
    rows = client.json("/catalog.json?_shape=array&sql=" + quote(
        "select lower('ĐỒNG') as lowered, vn_fold('ĐỒNG') = vn_fold('đồng') as same"))
    assert rows == [{"lowered": "ĐỒng", "same": 1}]


def test_result_context_writes_numbers_as_the_pages_do():
    """A search result's context and the portal's pages write a number with one formatter (scripts/vnformat.py),
    which keeps every stored decimal: 0.12345 % is "0,12345%", not rounded to "0,123%"; 45900.0 is "45.900"."""
    from scripts import vnformat
    from scripts.search.context import context_items

    row = {"province": None, "kind": None, "value": 0.12345, "value_low": None, "value_high": None,
           "comparator": "=", "unit": "%", "rank_of": None, "ref_year": 2025, "inferred_year": None}
    items = {i["field"]: i["text"] for i in context_items("indicators", row, None, str, {})}
    assert items["value"] == "0,12345%" == vnformat.number(0.12345) + "%"
    row.update(value=45900.0, unit="count")
    assert {i["field"]: i["text"] for i in context_items("indicators", row, None, str, {})}["value"] == "45.900"


def test_typo_vocabulary_is_kept_for_the_current_file_only(tmp_path):
    """A rebuilt catalog at the same path (written beside it and renamed over it, as the build does) gets its own
    vocabulary, and the old file's is dropped: a long-running process keeps one vocabulary per database path, not
    one per build it has seen."""
    import os
    import sqlite3

    from scripts.search import typos

    path = tmp_path / "catalog.db"

    def build_and_read(words):
        new = tmp_path / "catalog.db.new"
        with sqlite3.connect(new) as conn:
            conn.execute("create table search_vocabulary (term text, spelled text, rows integer)")
            conn.executemany("insert into search_vocabulary values (?, ?, 1)", [(w, w) for w in words])
        conn.close()
        os.replace(new, path)
        conn = sqlite3.connect(path)
        try:
            return typos.vocabulary(conn, typos.vocabulary_key(str(path)))[0]
        finally:
            conn.close()

    assert set(build_and_read(["alpha"])) == {"alpha"}
    assert set(build_and_read(["beta"])) == {"beta"}
    assert set(build_and_read(["gamma"])) == {"gamma"}
    assert sum(str(path) in str(key) for key in typos._VOCABULARY) == 1
