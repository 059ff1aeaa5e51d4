"""Issue 13: our own fuzzer — methods, headers, paths and parameters an attacker would send, at least
MIN_REQUESTS of them within TIME_BUDGET_S — finds no response >= 500 from the portal as `make serve` runs it.

Where schemathesis (tests/security/test_fuzz_openapi.py) generates what the OpenAPI description allows, this sends
what it does not: every Datasette parameter with hostile values (broken JSON, 400-digit numbers, NUL, invisible and
right-to-left characters, SQL fragments, 10,000-character strings), methods other than GET, odd headers.
Seeded, so a failure can be replayed."""
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import httpx

SEED = 13
MIN_REQUESTS = 5000
TIME_BUDGET_S = 240
WORKERS = 8

TABLES = ["wards", "plan_tasks", "capital_projects", "document_passages", "ward_predecessors", "agencies",
          "indicators", "project_money", "decisions", "task_agencies", "documents", "provinces", "nope",
          "wards_fts", "sqlite_master"]
COLUMNS = ["code", "name", "id", "province_code", "latitude", "longitude", "area_km2", "task", "due_year",
           "amount_million_vnd", "rowid", "missing", "excerpt", ""]
FORMATS = ["", ".json", ".csv", ".xlsx", ".geojson", ".jsonld", ".db", ".txt", ".json.json"]
OPERATIONS = ["exact", "not", "contains", "endswith", "startswith", "gt", "gte", "lt", "lte", "like", "notlike",
              "glob", "in", "notin", "arraycontains", "arraynotcontains", "date", "isnull", "notnull", "isblank",
              "notblank", "bogus"]
SPECIAL = ["_size", "_sort", "_sort_desc", "_next", "_facet", "_facet_array", "_facet_date", "_facet_size",
           "_search", "_search_name", "_searchmode", "_where", "_through", "_timelimit", "_shape", "_col", "_nocol",
           "_labels", "_nolabels", "_json", "_nl", "_trace", "_bom", "_stream", "_dl", "_nofacet", "_nocount",
           "_hash", "_extra", "sql", "q", "agency", "province", "_context"]
VALUES = ["", "0", "1", "-1", "82", "28249", "max", "1e309", "-1e309", "9" * 400, "NaN", "inf", "[1,2", "[]",
          '["a",{"b":1}]', '{"a":1}', '{"array":"name"}', '{"table":"provinces","column":"name","value":"x"}',
          "{x", "\x00", "a\x00b", "\u202egnp.exe", "\u200b", "\ufeff", "Đồng Tháp", "Đồng Tháp", "dong thap",
          "\"", "\"\"\"", "'", "' or 1=1 --", "1=1; drop table wards", "select 1", "select * from wards",
          "with recursive c(x) as (select 1 union all select x+1 from c) select count(*) from c",
          "select hex(fts3_tokenizer('simple'))", "select randomblob(1000000000)",
          "select printf('%.*c', 999999999, 'x')", "select char(1)", "select x'ff'", "select cast(x'ff' as text)",
          "length(randomblob(1000000000))>0", "../../etc/passwd", "~2F", "%", "%%", "%ZZ", "*", "NEAR(", "a OR",
          "objects", "array", "arrays", "object", "bogus", "x" * 10_000, "😀" * 50, "\r\nX-Injected: 1",
          "2025-13-45", "0x10", "true", "null"]
METHODS = ["GET"] * 12 + ["HEAD", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH", "TRACE", "PROPFIND"]
HEADERS = [{}, {}, {}, {"Accept": "application/json"}, {"Accept": "*/*;q=0"}, {"Cookie": "ds_actor=garbage"},
           {"Cookie": "=" * 1000}, {"Range": "bytes=999999-"}, {"Range": "bytes=-1,-2,-3"},
           {"If-None-Match": "*"}, {"If-Modified-Since": "yesterday"}, {"Content-Type": "application/json"},
           {"X-Forwarded-For": "1.2.3.4, [::1]"}, {"Origin": "https://evil.example"},
           {"Authorization": "Bearer \u00ff"}, {"Accept-Encoding": "gzip, br, zstd, x" * 50},
           {"Host": "["}, {"Host": "evil.example"}, {"Host": "a" * 5000}, {"Accept-Language": "vi;q=x"},
           {"Referer": "javascript:alert(1)"}, {"User-Agent": "\u00e9" * 100}]


def value(rng):
    return rng.choice(VALUES) if rng.random() < 0.9 else rng.choice(COLUMNS + TABLES)


def request(rng):
    kind = rng.random()
    params = []
    if kind < 0.55:
        table = rng.choice(TABLES)
        path = f"/catalog/{table}"
        if rng.random() < 0.15:
            path += "/" + quote(rng.choice(["28249", "1", "a,b", "x~2Cy", "%00", "9" * 50, "", ".."]), safe=",~")
        path += rng.choice(FORMATS)
        for _ in range(rng.randint(0, 4)):
            if rng.random() < 0.5:
                params.append((rng.choice(SPECIAL), value(rng)))
            else:
                params.append((f"{rng.choice(COLUMNS)}__{rng.choice(OPERATIONS)}", value(rng)))
    elif kind < 0.75:
        path = "/catalog" + rng.choice(FORMATS)
        params.append(("sql", value(rng)))
        for _ in range(rng.randint(0, 2)):
            params.append((rng.choice(SPECIAL), value(rng)))
    elif kind < 0.85:
        path = rng.choice(["/-/search.json", "/-/search", "/catalog/tasks_led_by_agency.json",
                           "/catalog/tasks_led_by_agency"])
        for _ in range(rng.randint(1, 3)):
            params.append((rng.choice(["q", "agency", "_shape", "_size", "province", "_next"]), value(rng)))
    else:
        path = rng.choice(["/", "/-/dcat.jsonld", "/-/openapi.json", "/-/versions.json", "/-/metadata.json",
                           "/-/databases.json", "/-/threads.json", "/-/plugins.json", "/-/settings.json",
                           "/-/actor.json", "/-/permissions", "/-/messages", "/-/allow-debug", "/robots.txt",
                           "/static/blank-tile.png", "/-/static/app.css", "/catalog.db", "/%00", "/~",
                           "/" + "a/" * 200, "/catalog/" + "~" * 50, "/-/static/../../etc/passwd",
                           "/catalog-0000000/wards.json", "/catalog/wards.json/extra"])
        if rng.random() < 0.5:
            params.append((rng.choice(SPECIAL), value(rng)))
    return rng.choice(METHODS), path, params, rng.choice(HEADERS)


def test_fuzzing_methods_headers_and_parameters_finds_no_server_error(live_server):
    rng = random.Random(SEED)
    cases = [request(rng) for _ in range(MIN_REQUESTS)]
    deadline = time.monotonic() + TIME_BUDGET_S
    failures, statuses = [], {}
    local = threading.local()

    def send(case):
        if time.monotonic() > deadline:
            return None
        method, path, params, headers = case
        http = getattr(local, "http", None) or httpx.Client(timeout=30)
        local.http = http
        if True:
            try:
                response = http.request(method, live_server + path, params=params,
                                        headers={k: v.encode("utf-8") for k, v in headers.items()})
            except httpx.InvalidURL:
                return "refused by the client"
            except httpx.RemoteProtocolError as e:
                return f"server dropped the connection: {e}"
        if response.status_code >= 500:
            failures.append((method, path, params, headers, response.status_code, response.text[:200]))
        return response.status_code

    with ThreadPoolExecutor(WORKERS) as pool:
        for status in pool.map(send, cases):
            statuses[status] = statuses.get(status, 0) + 1
    sent = sum(n for s, n in statuses.items() if isinstance(s, int))
    assert failures == [], failures[:10]
    assert not any(isinstance(s, str) and s.startswith("server dropped") for s in statuses), statuses
    assert statuses.get(None, 0) == 0, f"ran out of time after {sent} requests"
    assert sent >= MIN_REQUESTS * 0.99, statuses  # a few URLs httpx itself refuses to send
    assert sum(n for s, n in statuses.items() if isinstance(s, int) and 400 <= s < 500) > MIN_REQUESTS / 4
