"""Issues 2, 5 and 7: the JSON API — table shapes, facet counts, CORS and cache headers, defaults by format, every
canned query."""
import re
from urllib.parse import quote


def test_table_json_shapes(client):
    rows = client.json("/catalog/wards.json?_shape=array&_size=5")
    assert len(rows) == 5 and set(rows[0]) == {"code", "name", "short_name", "type", "province_code",
                                                "latitude", "longitude", "area_km2"}
    obj = client.json("/catalog/provinces.json?_shape=objects")
    assert {r["code"] for r in obj["rows"]} == {"82", "91"}
    for table in ["provinces", "wards", "ward_predecessors", "documents", "document_files", "document_passages"]:
        assert client.get(f"/catalog/{table}.json?_shape=array").status_code == 200


def test_facet_counts_through_the_api(client):
    data = client.json("/catalog/wards.json?_facet=province_code&_facet=type&_size=0")
    province = {f["value"]: f["count"] for f in data["facet_results"]["province_code"]["results"]}
    kind = {f["value"]: f["count"] for f in data["facet_results"]["type"]["results"]}
    assert province == {"82": 102, "91": 102}
    assert kind == {"xã": 167, "phường": 34, "đặc khu": 3}
    # The default facets of the wards page come from metadata.yml.
    page = client.get("/catalog/wards").text
    assert 'data-column="province_code"' in page and 'data-column="type"' in page


def test_cors_and_cache_headers(client):
    response = client.get("/catalog/wards.json")
    assert response.headers["access-control-allow-origin"] == "*"
    assert "max-age=86400" in response.headers["cache-control"]


def test_defaults_by_format(client):
    """A program paging through a table gets rows, not five facet counts per page; asking for one facet brings
    the table's default facets too, as the HTML page always shows them. HTML pages are shorter."""
    lean = client.json("/catalog/plan_tasks.json")
    assert lean["facet_results"] == {} and len(lean["rows"]) == 100
    assert "_nofacet=1" in lean["next_url"]
    assert client.json(lean["next_url"].removeprefix("http://localhost"))["facet_results"] == {}
    asked = client.json("/catalog/plan_tasks.json?_facet=due_year")["facet_results"]
    assert {"due_year", "province_code", "lead_agencies", "timing_kind", "group_path"} <= set(asked)
    assert {f["value"]: f["count"] for f in asked["province_code"]["results"]} == {"82": 86, "91": 28}
    assert client.json("/catalog/plan_tasks.json?_facet_array=lead_agencies")["facet_results"]["lead_agencies"]
    page = client.get("/catalog/plan_tasks").text
    assert 'data-column="province_code"' in page and 'data-column="lead_agencies"' in page
    # People get 25 rows a page (one <tr> is the header; the next page and any _size still work); programs
    # keep 100.
    assert page.count("<tr>") == 1 + 25 and "_size=25" in page and "_next=" in page
    assert client.get("/catalog/plan_tasks?_size=100").text.count("<tr>") == 1 + 100
    assert client.get("/catalog/wards?province_code=82").text.count("<tr>") == 1 + 25
    # Canned queries, rows and the CSV export are untouched.
    assert client.json("/catalog/tasks_led_by_agency.json?agency=khoa+hoc&_shape=array")
    assert client.get("/catalog/plan_tasks.csv").text.count("\n") > 100


def test_cors_header_on_json_and_catalog(client):
    for path in ["/catalog/wards.json", "/-/openapi.json", "/-/search.json?q=x"]:
        assert client.get(path).headers.get("access-control-allow-origin") == "*", path


def test_every_canned_query_runs_and_returns_rows(client):
    queries = client.json("/-/metadata.json")["databases"]["catalog"]["queries"]
    assert len(queries) >= 8
    arguments = {"year": "2025", "symbol": "3440", "project_id": "", "agency": "khoa hoc",
                 "former_name": "tan ho co", "district": ""}
    for name, query in queries.items():
        assert query["title"] and query["description"]
        params = "&".join(f"{p}={quote(arguments[p])}" for p in sorted(set(re.findall(r":(\w+)", query["sql"]))))
        rows = client.json(f"/catalog/{name}.json?_shape=array&{params}")
        assert rows, name
