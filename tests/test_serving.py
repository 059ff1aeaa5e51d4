"""Issue 7: serving read-only and resilient — limits, hostile queries, headers, a short soak."""
import concurrent.futures
import hashlib
import json
import time
from urllib.parse import quote

import httpx
import pytest

from tests.conftest import ROOT

SETTINGS = json.loads((ROOT / "settings.json").read_text())
RUNAWAY_QUERIES = [
    "with recursive r(i) as (select 1 union all select i + 1 from r) select count(*) from r",
    "select count(*) from document_passages a, document_passages b, document_passages c",
]


def sql_url(base, sql):
    return f"{base}/catalog.json?sql={quote(sql)}"


def test_limits_are_set_deliberately(client):
    settings = client.json("/-/settings.json")
    for name in ["sql_time_limit_ms", "max_returned_rows", "facet_time_limit_ms", "max_csv_mb", "num_sql_threads",
                 "suggest_facets", "default_cache_ttl"]:
        assert settings[name] == SETTINGS[name], name
    rows = client.json("/catalog.json?_shape=array&sql=" + quote(
        "with recursive r(i) as (select 1 union all select i + 1 from r limit 5000) select i from r"))
    assert len(rows) == SETTINGS["max_returned_rows"]


@pytest.mark.parametrize("sql", RUNAWAY_QUERIES, ids=["endless recursive CTE", "huge cross join"])
def test_runaway_query_is_stopped_while_the_server_keeps_answering(live_server, sql):
    limit = SETTINGS["sql_time_limit_ms"] / 1000
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        started = time.monotonic()
        runaway = pool.submit(httpx.get, sql_url(live_server, sql), timeout=60)
        time.sleep(0.2)
        # Meanwhile: a page without SQL answers at once, a table answers once the SQL thread is free.
        quick = pool.submit(httpx.get, f"{live_server}/robots.txt", timeout=60)
        table = pool.submit(httpx.get, f"{live_server}/catalog/wards.json?_size=1", timeout=60)
        assert quick.result().status_code == 200 and time.monotonic() - started < limit
        response = runaway.result()
        elapsed = time.monotonic() - started
        assert table.result().status_code == 200
    assert response.status_code == 400
    assert "interrupted" in response.json()["error"].lower() or "too long" in response.json()["error"].lower()
    assert elapsed < limit + 3


SECURITY_HEADERS = ["content-security-policy", "x-content-type-options", "referrer-policy", "x-frame-options"]


@pytest.mark.parametrize("path", ["/", "/catalog/wards", "/catalog/wards.json", "/catalog/wards.csv",
                                  "/-/search?q=dong", "/-/dcat.jsonld", "/catalog/nope", "/static/blank-tile.png",
                                  "/catalog.db"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    for header in SECURITY_HEADERS:
        assert header in response.headers, (path, header)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_robots_policy(client):
    robots = client.get("/robots.txt")
    assert robots.status_code == 200
    assert "Disallow: /catalog?sql=" in robots.text and "Disallow: /catalog.db" in robots.text
    assert "Sitemap" not in robots.text or "Allow: /" in robots.text


def test_short_soak_has_no_failures_and_leaves_the_file_unchanged(live_server, catalog_path):
    """A bounded soak (the long one is `make soak`): many connections, mixed endpoints."""
    from bench.soak import soak

    before = hashlib.sha256(catalog_path.read_bytes()).hexdigest()
    report = soak(live_server, seconds=8, connections=16)
    assert report["failed"] == 0 and report["requests"] > 200
    assert hashlib.sha256(catalog_path.read_bytes()).hexdigest() == before


def test_defaults_by_format(client):
    """A program paging through a table gets rows, not five facet counts per page; asking for one facet brings
    the table's default facets too, as the HTML page always shows them. HTML pages are shorter."""
    lean = client.json("/catalog/plan_tasks.json")
    assert lean["facet_results"] == {} and len(lean["rows"]) == 100
    assert "_nofacet=1" in lean["next_url"]
    assert client.json(lean["next_url"].removeprefix("http://localhost"))["facet_results"] == {}
    asked = client.json("/catalog/plan_tasks.json?_facet=due_year")["facet_results"]
    assert {"due_year", "province_code", "lead_agencies", "timing_kind", "group_path"} <= set(asked)
    assert {f["value"]: f["count"] for f in asked["province_code"]["results"]} == {"82": 85, "91": 28}
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
