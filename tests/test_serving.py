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


SECURITY_HEADERS = ["content-security-policy", "x-content-type-options", "referrer-policy", "x-frame-options",
                    "access-control-allow-origin"]


def assert_policy_headers(response, where):
    for header in SECURITY_HEADERS:
        assert header in response.headers, (where, header)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["access-control-allow-origin"] == "*"
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in next(d for d in csp.split(";") if "script-src" in d), where


@pytest.mark.parametrize("path", ["/", "/catalog/wards", "/catalog/wards.json", "/catalog/wards.csv",
                                  "/-/search?q=dong", "/-/dcat.jsonld", "/catalog/nope", "/static/blank-tile.png",
                                  "/catalog.db", "/robots.txt", "/sitemap.xml",
                                  "/catalog/plan_tasks.json?_sort=no_such_column",  # plugins/param_guard.py's 400
                                  "/catalog/wards?_sort=name&_sort_desc=name"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    assert_policy_headers(response, path)
    if response.status_code >= 400:
        assert response.headers["cache-control"] == "no-store", path  # no cache keeps an error


def test_a_500_from_any_layer_carries_the_same_headers(client):
    """An exception that escapes every inner layer still answers 500 with the policy's headers."""
    import asyncio
    import importlib.util

    spec = importlib.util.spec_from_file_location("http_policy_under_test", ROOT / "plugins" / "http_policy.py")
    policy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(policy)

    async def broken(scope, receive, send):
        raise RuntimeError("boom")

    app = policy.asgi_wrapper(client.datasette)(broken)
    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/x", "query_string": b"", "headers": [], "scheme": "http"}
    asyncio.run(app(scope, None, send))
    assert sent[0]["status"] == 500 and b"boom" not in sent[1]["body"]
    headers = {k.decode(): v.decode() for k, v in sent[0]["headers"]}
    assert headers["x-content-type-options"] == "nosniff" and headers["cache-control"] == "no-store"
    assert "content-security-policy" in headers and headers["access-control-allow-origin"] == "*"


def robots_disallows(robots, url):
    """Google's robots.txt matching: * is any run of characters, $ ends the URL; the longest rule wins."""
    import re

    best = (0, False)
    for line in robots.splitlines():
        field, _, value = line.partition(":")
        value = value.strip()
        if field.strip().lower() not in ("allow", "disallow") or not value:
            continue
        pattern = "".join(".*" if c == "*" else "$" if c == "$" else re.escape(c) for c in value)
        if re.match(pattern, url) and len(value) >= best[0]:
            best = (len(value), field.strip().lower() == "disallow")
    return best[1]


def test_robots_policy(client):
    """Pages may be indexed; free SQL, the database file and bulk exports computed per request may not, on
    /catalog and on the deployment's hashed /catalog-<hash> route alike; the build's whole-table files may. The sitemap lists every visible table."""
    robots = client.get("/robots.txt")
    assert robots.status_code == 200
    for url in ["/catalog?sql=select+1", "/catalog.json?sql=select+1", "/catalog-0a1b2c3?sql=select+1",
                "/catalog-0a1b2c3.json?_shape=array&sql=select+1", "/catalog.db", "/catalog-0a1b2c3.db",
                "/catalog/wards.csv", "/catalog-0a1b2c3/plan_tasks.xlsx", "/catalog/wards?_facet=type",
                "/catalog.json"]:
        assert robots_disallows(robots.text, url), url
    for url in ["/", "/catalog/wards", "/catalog-0a1b2c3/plan_tasks", "/catalog/plan_tasks/angiang-kh-15-du-2025~2F1.1",
                "/-/downloads/plan_tasks.csv", "/-/downloads/wards.xlsx", "/-/downloads/datapackage.json"]:
        assert not robots_disallows(robots.text, url), url
    sitemap_line = next(line for line in robots.text.splitlines() if line.startswith("Sitemap:"))
    assert sitemap_line == "Sitemap: http://localhost/sitemap.xml"
    sitemap = client.get("/sitemap.xml").text
    assert "<loc>http://localhost/catalog/plan_tasks</loc>" in sitemap and "_fts" not in sitemap


HOSTILE_HOSTS = ["evil.example", "x" * 5000, "[", "evil.example:80@x", ""]


@pytest.mark.parametrize("host", HOSTILE_HOSTS, ids=["evil", "5000-bytes", "bracket", "userinfo", "empty"])
def test_absolute_urls_never_come_from_the_host_header(client, host):
    """next_url, the Link header, facet toggles, DCAT, OpenAPI servers and the sitemap use the configured public
    base URL, or the server's own address: a request's Host cannot poison a cached answer or break one."""
    headers = {"host": host}
    page = client.get("/catalog/plan_tasks.json?_size=7&_facet=province_code", headers=headers)
    assert page.status_code == 200
    data = page.json()
    urls = [data["next_url"], page.headers["link"]] + [
        r["toggle_url"] for r in data["facet_results"]["province_code"]["results"]]
    assert all(u.startswith("http://localhost/") or u.startswith("<http://localhost/") for u in urls), urls
    for path in ["/-/dcat.jsonld", "/-/openapi.json", "/sitemap.xml", "/robots.txt"]:
        response = client.get(path, headers=headers)
        assert response.status_code == 200, path
        if len(host) > 1:
            assert host not in response.text, path
        assert "http://localhost" in response.text, path
    assert client.get("/-/openapi.json", headers=headers).json()["servers"][0]["url"].startswith("http://localhost")


def test_the_public_base_url_is_configured_not_guessed(client, monkeypatch):
    monkeypatch.setenv("CATALOG_PUBLIC_URL", "https://opendata.example.vn")
    data = client.get("/catalog/plan_tasks.json?_size=7", headers={"host": "evil.example"}).json()
    assert data["next_url"].startswith("https://opendata.example.vn/catalog/plan_tasks.json?")
    dcat = client.get("/-/dcat.jsonld", headers={"host": "evil.example"}).text
    assert "https://opendata.example.vn/catalog/" in dcat and "evil" not in dcat


def test_introspection_that_helps_only_an_attacker_is_not_served(client, catalog_path):
    assert client.get("/-/threads").status_code == 404 and client.get("/-/threads.json").status_code == 404
    databases = client.get("/-/databases.json")
    assert databases.status_code == 200 and [d["name"] for d in databases.json()] == ["catalog"]
    assert str(catalog_path) not in databases.text and "path" not in databases.json()[0]
    assert str(catalog_path) not in client.get("/-/databases").text


def test_ad_hoc_sql_is_never_cached_for_long(client):
    response = client.get("/catalog.json?sql=select+1")
    assert response.status_code == 200 and response.headers["cache-control"] == "public, max-age=300"


def test_nginx_config_hardening():
    """deploy/nginx.conf (issue 13): names, a default server that drops other Hosts, a fixed upstream Host,
    header buffers for our headers, failure settings one bad answer cannot trip, no cache for ad-hoc SQL."""
    import re

    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    code = "\n".join(line.split("#", 1)[0] for line in conf.splitlines())
    assert re.search(r"listen 80 default_server;\s*server_name _;\s*return 444;", code)
    assert re.search(r"server_name [a-z0-9. ]+;", code.replace("server_name _;", ""))
    hosts = re.findall(r"proxy_set_header Host (\S+);", code)
    assert hosts and all("$" not in h for h in hosts), hosts
    assert int(re.search(r"proxy_buffer_size (\d+)k;", code).group(1)) >= 16
    assert int(re.search(r"max_fails=(\d+)", code).group(1)) >= 3
    next_upstream = re.search(r"proxy_next_upstream ([^;]+);", code).group(1).split()
    assert set(next_upstream) <= {"error", "timeout"}
    assert "proxy_no_cache $arg_sql;" in code and "proxy_cache_bypass $arg_sql;" in code


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
