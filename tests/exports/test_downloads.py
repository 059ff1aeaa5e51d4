"""Issue 12: every download whole and correct; formats only where they make sense (sorted paging exact:
tests/api/test_paging.py)."""
import csv
import hashlib
import io
import json
import re
import zipfile
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from tests.conftest import copy_project, run_build, visible_tables

# --- Real clients on every table and format ---------------------------------------------------------------------

SAMPLE = 25  # rows compared value by value per table and format (first, last and evenly spread)


class Links(HTMLParser):
    """The export links of a page (data-export=…) and the pages it links to."""

    def __init__(self):
        super().__init__()
        self.exports, self.hrefs = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])
            if attrs.get("data-export"):
                self.exports.append(attrs)


def links_of(client, path):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    parser = Links()
    parser.feed(response.text)
    return parser


def local(url, page="/"):
    parts = urlsplit(urljoin("http://portal" + page, url))
    return parts.path + ("?" + parts.query if parts.query else "")


def db_rows(db, table):
    keys = db[table].pks
    return [dict(r) for r in db.query(f"select * from [{table}] order by {', '.join(f'[{k}]' for k in keys)}")]


def as_text(value):
    return "" if value is None else str(value)


def sample(rows):
    if len(rows) <= SAMPLE:
        return list(range(len(rows)))
    step = (len(rows) - 1) / (SAMPLE - 1)
    return sorted({round(i * step) for i in range(SAMPLE)})


def csv_text_value(value):
    """A database value as the CSV writes it (OWASP prefix on text that could run as a formula)."""
    text = as_text(value)
    if isinstance(value, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r") and not re.fullmatch(
            r"[+-]?[0-9]+(?:[.,][0-9]+)?", text):
        return "'" + text
    return text


def read_file(fmt, content):
    """Rows of a downloaded file, read with the library a user would use: list of dicts (text for CSV)."""
    if fmt == "csv":
        import pandas

        assert content.startswith(b"\xef\xbb\xbf") or True
        text = content.decode("utf-8-sig")
        with_csv = list(csv.DictReader(io.StringIO(text)))
        frame = pandas.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False, encoding="utf-8-sig")
        assert len(frame) == len(with_csv) and list(frame.columns) == list(with_csv[0].keys() if with_csv else frame.columns)
        assert frame.to_dict("records") == with_csv
        return with_csv
    if fmt == "json":
        return json.loads(content)
    if fmt == "jsonl":
        return [json.loads(line) for line in content.decode("utf-8").splitlines() if line.strip()]
    if fmt == "geojson":
        doc = json.loads(content)
        assert doc["type"] == "FeatureCollection"
        rows = []
        for feature in doc["features"]:
            assert feature["type"] == "Feature" and isinstance(feature["properties"], dict)
            geometry = feature["geometry"]
            if geometry is not None:
                assert geometry["type"] == "Point" and len(geometry["coordinates"]) == 2
                lon, lat = geometry["coordinates"]
                assert -180 <= lon <= 180 and -90 <= lat <= 90
                rows.append({**feature["properties"], "longitude": lon, "latitude": lat})
            else:
                rows.append({**feature["properties"], "longitude": None, "latitude": None})
        return rows
    if fmt == "xlsx":
        from openpyxl import load_workbook

        with zipfile.ZipFile(io.BytesIO(content)) as z:
            for name in z.namelist():
                if name.startswith("xl/worksheets/"):
                    assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
        book = load_workbook(io.BytesIO(content))
        assert book.sheetnames[1] == "Nguồn · Source"
        sheet = book.worksheets[0]
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
        values = list(sheet.iter_rows(values_only=True))
        assert all(cell.font.b for cell in sheet[1])
        return [dict(zip(values[0], row)) for row in values[1:]]
    raise AssertionError(fmt)


def test_every_table_downloads_whole_in_every_format_through_the_pages_links(client, db):
    from scripts.spec import column_label

    compared, formats = 0, set()
    home = links_of(client, "/")
    home_links = {(a["href"].rsplit("/", 1)[-1]) for a in home.exports}
    for table in visible_tables(client):
        page = links_of(client, f"/catalog/{table}")
        whole = [a for a in page.exports if a["data-export"] == "whole"]
        expected_formats = {"csv", "xlsx", "json", "jsonl"} | ({"geojson"} if {"latitude", "longitude"} <= set(
            db[table].columns_dict) else set())
        assert {a["data-format"] for a in whole} == expected_formats, table
        rows = db_rows(db, table)
        for link in whole:
            fmt = link["data-format"]
            assert int(link["data-rows"]) == len(rows)
            if fmt in ("csv", "xlsx", "json"):
                assert f"{table}.{fmt}" in home_links, (table, fmt)
            response = client.get(local(link["href"]))
            assert response.status_code == 200, (table, fmt)
            assert response.headers["etag"] and "attachment" in response.headers["content-disposition"]
            got = read_file(fmt, response.content)
            assert len(got) == len(rows), (table, fmt, len(got), len(rows))
            formats.add(fmt)
            for i in sample(rows):
                for column, value in rows[i].items():
                    if fmt == "csv":
                        assert got[i][column] == csv_text_value(value), (table, fmt, i, column)
                    elif fmt == "xlsx":
                        label = column_label(table, column)
                        cell = got[i].get(label, got[i].get(f"{label} (mã · code)"))
                        if f"{label} (mã · code)" in got[i]:
                            cell = got[i][f"{label} (mã · code)"]
                        if hasattr(cell, "date"):
                            cell = cell.date().isoformat()
                        # A spreadsheet has no empty-text cell: "" reads back as an empty cell.
                        assert cell == value or (value == "" and cell is None), (table, fmt, i, column, cell, value)
                    else:
                        assert got[i][column] == value, (table, fmt, i, column)
                compared += 1
    print(f"\nwhole-table downloads: {len(visible_tables(client))} tables, formats {sorted(formats)}, "
          f"{compared} rows compared value by value")
    assert formats == {"csv", "xlsx", "json", "jsonl", "geojson"}


def test_codes_stay_text_for_pandas_with_the_datapackage_types(client, db):
    import pandas

    package = client.json("/-/downloads/datapackage.json")
    resources = {r["name"]: r for r in package["resources"] if r.get("profile") == "tabular-data-resource"}
    assert set(resources) == set(visible_tables(client))
    assert package["licenses"] and package["sources"]
    for table, resource in resources.items():
        fields = resource["schema"]["fields"]
        assert [f["name"] for f in fields] == list(db[table].columns_dict)
        content = client.get("/-/downloads/" + resource["path"]).content
        assert resource["bytes"] == len(content) and resource["hash"] == "sha256:" + hashlib.sha256(content).hexdigest()
        dtypes = {f["name"]: str for f in fields if f["type"] in ("string", "date")}
        frame = pandas.read_csv(io.BytesIO(content), dtype=dtypes, keep_default_na=False, encoding="utf-8-sig")
        for f in fields:
            if f["type"] == "string" and len(frame):
                assert frame[f["name"]].map(type).eq(str).all(), (table, f["name"])
    wards = pandas.read_csv(io.BytesIO(client.get("/-/downloads/wards.csv").content), encoding="utf-8-sig",
                            dtype={f["name"]: str for f in resources["wards"]["schema"]["fields"] if f["type"] == "string"})
    assert wards["code"].str.len().eq(5).all() and set(wards["province_code"]) == {"82", "91"}


def test_downloads_carry_an_etag_tied_to_the_build_and_revalidate(client):
    manifest = client.json("/-/downloads/manifest.json")
    first = client.get("/-/downloads/plan_tasks.csv")
    etag = first.headers["etag"]
    assert manifest["files"]["plan_tasks.csv"]["sha256"] in etag
    assert "max-age" in first.headers["cache-control"] and first.headers["last-modified"]
    assert first.headers["content-type"].startswith("text/csv")
    again = client.get("/-/downloads/plan_tasks.csv", headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    assert client.get("/-/downloads/../catalog.db").status_code == 404
    assert client.get("/-/downloads/nope.csv").status_code == 404
    assert client.get("/catalog.db").status_code == 200  # the database stays downloadable


def test_dcat_distributions_are_the_whole_files_and_their_checksums_match(client):
    doc = client.json("/-/dcat.jsonld")
    checked = 0
    for node in doc["@graph"]:
        for dist in node.get("dcat:distribution", []):
            if "spdx:checksum" not in dist:
                assert dist["dct:title"] == "SQLite"
                continue
            content = client.get(local(dist["dcat:downloadURL"]["@id"])).content
            assert int(dist["dcat:byteSize"]["@value"]) == len(content)
            assert dist["spdx:checksum"]["spdx:checksumValue"]["@value"] == hashlib.sha256(content).hexdigest()
            checked += 1
    assert checked >= 19 * 3


def test_no_formula_in_any_xlsx_or_csv_even_from_crafted_sql(client):
    sql = "select '=HYPERLINK(\"http://evil.example\",\"x\")' as a, '+1+2' as b, '-2+3' as c, '@SUM(1)' as d, -3.5 as e, '-5' as f"
    from urllib.parse import quote

    book = client.get(f"/catalog.xlsx?sql={quote(sql)}")
    assert book.status_code == 200
    rows = read_file("xlsx", book.content)
    assert rows[0]["a"].startswith("=HYPERLINK") and rows[0]["e"] == -3.5
    text = client.get(f"/catalog.csv?sql={quote(sql)}").content.decode("utf-8")
    row = list(csv.DictReader(io.StringIO(text)))[0]
    assert row == {"a": "'=HYPERLINK(\"http://evil.example\",\"x\")", "b": "'+1+2", "c": "'-2+3", "d": "'@SUM(1)",
                   "e": "-3.5", "f": "-5"}
    # The machine formats keep the values exactly.
    assert client.json(f"/catalog.json?sql={quote(sql)}&_shape=array&_stream=on")[0]["b"] == "+1+2"


def test_the_comparator_equals_sign_is_a_text_cell_in_xlsx(client, db):
    """indicators.comparator holds the printed "=": in the build's XLSX and in a view's export it is the text "=",
    never a formula (openpyxl would write text starting with "=" as one)."""
    from openpyxl import load_workbook

    assert db.execute("select count(*) from indicators where comparator = '='").fetchone()[0] > 0
    for url in ["/-/downloads/indicators.xlsx", "/catalog/indicators.xlsx?comparator=%3D"]:
        response = client.get(url)
        assert response.status_code == 200, url
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        cells = [c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str)
                 and c.value.startswith("=")]
        assert cells and all(c.data_type == "s" for c in cells), url
        assert "=" in [c.value for c in cells], url


def test_geojson_only_where_there_are_coordinates(client):
    assert client.get("/catalog/plan_tasks.geojson").status_code == 400
    assert "latitude" in client.get("/catalog/plan_tasks.geojson").json()["error"]
    assert client.get("/catalog/targets_2030.geojson").status_code == 400
    page = links_of(client, "/catalog/plan_tasks?section=x")
    assert not [a for a in page.exports if a["data-format"] == "geojson"]
    assert client.get("/-/downloads/plan_tasks.geojson").status_code == 404
    geo = client.json("/catalog/wards.geojson?province_code=91")
    assert len(geo["features"]) == 102


def test_whole_views_stream_past_max_returned_rows(client, db):
    """document_passages has 733 rows; with max_returned_rows at 1000 a page holds them all, so the
    view is walked page by page with a smaller internal page to prove the exports never stop at one page."""
    total = db["document_passages"].count
    rows = client.json("/catalog/document_passages.json?_stream=on&_sort_desc=seq")
    assert len(rows) == total and len({r["id"] for r in rows}) == total
    lines = client.get("/catalog/document_passages.jsonl?_sort=kind").text.splitlines()
    assert len(lines) == total
    csv_rows = list(csv.DictReader(io.StringIO(client.get("/catalog/plan_tasks.csv?_size=25&_labels=on&_size=max").text)))
    assert len(csv_rows) == db["plan_tasks"].count and "province_code_label" in csv_rows[0]


def test_a_failed_build_leaves_the_previous_downloads(tmp_path):
    project = copy_project(tmp_path / "p")
    assert run_build(project).returncode == 0
    downloads = project / "build" / "downloads"
    before = {p.name: p.read_bytes() for p in downloads.iterdir()}
    broken = project / "sources" / "documents.csv"
    broken.write_text(broken.read_text(encoding="utf-8") + "bad,row\n", encoding="utf-8")
    assert run_build(project).returncode == 1
    assert {p.name: p.read_bytes() for p in downloads.iterdir()} == before
    assert not (project / "build" / "downloads.new").exists()


# --- The walk: every page, every export link ------------------------------------------------------------------

def rows_in(fmt, content):
    if fmt == "json":
        data = json.loads(content)
        return len(data) if isinstance(data, list) else len(data["rows"])
    return len(read_file(fmt, content))


def test_walk_every_page_and_follow_every_export_link(client, db):
    spec = client.json("/-/openapi.json")
    queries = client.json("/-/metadata.json")["databases"]["catalog"]["queries"]
    pages = ["/", "/catalog"]
    for table in visible_tables(client):
        pages.append(f"/catalog/{table}")
        keys = db[table].pks
        columns = list(db[table].columns_dict)
        sort = next((c for c in columns if c not in keys), columns[0])
        pages.append(f"/catalog/{table}?_sort_desc={sort}")
        from datasette.utils import tilde_encode

        for row in db.query(f"select {', '.join(f'[{k}]' for k in keys)} from [{table}]"):
            pages.append(f"/catalog/{table}/" + ",".join(tilde_encode(str(row[k])) for k in keys))
    for name in queries:
        params = [p for p in spec["paths"][f"/catalog/{name}.json"]["get"]["parameters"] if "example" in p]
        from urllib.parse import urlencode

        pages.append(f"/catalog/{name}")
        if params:
            pages.append(f"/catalog/{name}?" + urlencode({p["name"]: p["example"] for p in params}))
    pages.append("/catalog?sql=select+code,+name,+latitude,+longitude+from+wards")
    links, formats, seen = 0, set(), set()
    for page in pages:
        parsed = links_of(client, page)
        for link in parsed.exports:
            url = local(link["href"], page)
            if url in seen:
                continue
            seen.add(url)
            response = client.get(url)
            assert response.status_code < 500, (page, url, response.status_code)
            assert response.status_code == 200, (page, url, response.status_code, response.text[:300])
            links += 1
            fmt = link["data-format"]
            formats.add(fmt)
            if link.get("data-rows"):
                assert rows_in(fmt, response.content) >= int(link["data-rows"]), (page, url)
            if link["data-export"] == "page":
                assert "next" in response.json()
        for href in parsed.hrefs:
            if re.search(r"\.(json|csv|xlsx|geojson|jsonl|db)(\?|$)", href) and "/-/downloads/" not in href:
                url = local(href, page)
                if url not in seen:
                    seen.add(url)
                    assert client.get(url).status_code < 500, (page, url)
    print(f"\nwalk: {len(pages)} pages, {links} export links followed, formats {sorted(formats)}")
    assert formats == {"csv", "xlsx", "json", "jsonl", "geojson"} and links > 100


def test_xlsx_of_a_view_is_usable(client, db):
    """Labels, bold frozen header with a filter, widths, typed cells, foreign keys as names with the code beside,
    and the Source sheet."""
    from openpyxl import load_workbook

    from scripts.spec import column_label

    response = client.get("/catalog/plan_tasks.xlsx?province_code=82&_sort=due_date")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    sheet, source = book.worksheets
    header = [c.value for c in sheet[1]]
    label = column_label("plan_tasks", "province_code")
    assert label != "province_code" and header[1:3] == [label, f"{label} (mã · code)"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
    assert all(sheet.column_dimensions[c].width >= 8 for c in ("A", "B", "C"))
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    expected = db.execute("select count(*) from plan_tasks where province_code = '82'").fetchone()[0]
    assert len(rows) == expected
    assert {r[1] for r in rows} == {"Tỉnh Đồng Tháp"} and {r[2] for r in rows} == {"82"}
    years = [r[header.index(column_label("plan_tasks", "due_year"))] for r in rows]
    assert any(isinstance(y, int) for y in years)
    dates = [r[header.index(column_label("plan_tasks", "due_date"))] for r in rows]
    assert any(hasattr(d, "year") for d in dates)
    facts = {row[0]: row[1] for row in source.iter_rows(values_only=True)}
    assert "CC BY" in facts["Giấy phép · Licence"] and "province_code=82" in facts["Địa chỉ · URL"]
    assert facts["Văn bản · Document"] and facts["Ngày dựng · Built"] and facts["Số dòng · Rows"] == str(expected)


def test_canned_query_page_offers_downloads_only_once_its_parameters_are_given(client):
    empty = links_of(client, "/catalog/former_unit_lookup")
    assert not [a for a in empty.exports if a["data-export"] == "result"]
    # What to fill in, by the input's label, in the page's language (issue 15: Vietnamese first, English switch).
    assert "Nhập «Tên xã, phường, thị trấn cũ» để tải kết quả" in client.get("/catalog/former_unit_lookup").text
    assert "Fill in «Former commune or ward» to download the result" in client.get(
        "/catalog/former_unit_lookup?_lang=en").text
    filled = links_of(client, "/catalog/former_unit_lookup?former_name=tan+ho+co")
    assert {a["data-format"] for a in filled.exports} == {"csv", "xlsx", "json", "jsonl", "geojson"}
