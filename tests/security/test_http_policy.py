"""Issues 7, 11 and 13: the one HTTP policy layer — security headers on every response (a 500 too), robots,
absolute URLs never from the Host header (also on the deployment), nginx hardening."""
import hashlib
import json

import pytest

from bench.loopback import fetch as get
from tests.conftest import ROOT

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


HOSTILE_HOSTS = ["evil.example", "x" * 5000, ""]
UNPARSEABLE_HOSTS = ["[", "evil.example:80@x", "a b", "[::1", "x:8o"]


@pytest.mark.parametrize("host", UNPARSEABLE_HOSTS)
def test_a_host_header_that_does_not_parse_is_refused_with_a_message(client, host):
    """`Host: [` and its kind are a 400 saying what is wrong, in Vietnamese then English, with the policy's headers —
    on a table page, its JSON and the home page alike; a Host that parses is served as before."""
    for path in ["/catalog/plan_tasks.json?_size=1", "/catalog/plan_tasks", "/"]:
        response = client.get(path, headers={"host": host})
        assert response.status_code == 400, (host, path)
        vietnamese, _, english = response.json()["error"].partition(" · ")
        assert "Host" in vietnamese and "không hợp lệ" in vietnamese and "does not parse" in english
        assert response.headers["cache-control"] == "no-store" and response.headers["x-content-type-options"] == "nosniff"
        assert host not in response.text
    for good in ["localhost:8001", "[::1]:8001", "127.0.0.1", "opendata.example.vn"]:
        assert client.get("/catalog/plan_tasks.json?_size=1", headers={"host": good}).status_code == 200


@pytest.mark.parametrize("host", HOSTILE_HOSTS, ids=["evil", "5000-bytes", "empty"])
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


def test_hostile_host_headers_on_the_deployment(asgi_server, catalog_path):
    """Issue 13 High 2 and 3 on uvicorn as deployed: a 5,000-byte Host and a foreign Host answer like any other
    request (`Host: [`, which does not parse, is a 400 with a message), and neither the Link header nor next_url nor the redirect carries them; the redirect
    and the robots.txt of the hashed route carry the policy's headers."""
    import http.client

    digest = hashlib.sha256(catalog_path.read_bytes()).hexdigest()[:7]
    port = int(asgi_server.rsplit(":", 1)[1])
    for host in ["x" * 5000, "[", "evil.example"]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.putrequest("GET", f"/catalog-{digest}/plan_tasks.json?_size=7", skip_host=True)
        connection.putheader("Host", host)
        connection.endheaders()
        response = connection.getresponse()
        body = response.read().decode()
        if host == "[":
            assert response.status == 400 and "Host" in json.loads(body)["error"] and host not in body
            connection.close()
            continue
        assert response.status == 200, (host[:20], response.status)
        link = response.getheader("link")
        assert link.startswith(f"<{asgi_server}/catalog-{digest}/plan_tasks.json?") and host not in link
        assert json.loads(body)["next_url"].startswith(f"{asgi_server}/") and (len(host) == 1 or host not in body)
        connection.close()
    status, headers, _ = get(asgi_server + "/catalog/plan_tasks", headers={"Host": "evil.example"})
    assert status == 302 and headers["location"].startswith(f"/catalog-{digest}/")
    assert headers["x-content-type-options"] == "nosniff" and "content-security-policy" in headers
    status, headers, robots = get(asgi_server + "/robots.txt")
    assert status == 200 and f"Disallow: /catalog-{digest}.json" in robots.decode()
    assert headers["access-control-allow-origin"] == "*"
