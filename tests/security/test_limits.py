"""Issues 2 and 7: serving read-only within deliberate limits — SQL cannot write, runaway queries are stopped,
ad-hoc SQL is not cached for long, introspection that only helps an attacker is not served."""
import concurrent.futures
import hashlib
import json
import time
from urllib.parse import quote

import httpx
import pytest

from tests.conftest import ROOT


@pytest.mark.parametrize("sql", [
    "insert into wards (code) values ('99999')",
    "update wards set name = 'x'",
    "delete from wards",
    "drop table wards",
    "pragma writable_schema = 1",
    "attach database '/tmp/x.db' as x",
    "select load_extension('/tmp/evil')",
])
def test_sql_cannot_write(client, catalog_path, sql):
    before = hashlib.sha256(catalog_path.read_bytes()).hexdigest()
    response = client.get("/catalog.json", params={"sql": sql})
    assert response.status_code in (400, 403), (sql, response.status_code, response.text[:200])
    assert response.json()["ok"] is False
    assert client.get("/catalog/wards.json?_size=0").json()["filtered_table_rows_count"] == 204
    assert hashlib.sha256(catalog_path.read_bytes()).hexdigest() == before


SETTINGS = json.loads((ROOT / "settings.json").read_text())
RUNAWAY_QUERIES = [
    "with recursive r(i) as (select 1 union all select i + 1 from r) select count(*) from r",
    "select count(*) from document_passages a, document_passages b, document_passages c",
]


def sql_url(base, sql):
    return f"{base}/catalog.json?sql={quote(sql)}"


def test_limits_are_set_deliberately(client):
    settings = client.json("/-/settings.json")
    for name in ["sql_time_limit_ms", "max_returned_rows", "facet_time_limit_ms", "num_sql_threads",
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


def test_introspection_that_helps_only_an_attacker_is_not_served(client, catalog_path):
    assert client.get("/-/threads").status_code == 404 and client.get("/-/threads.json").status_code == 404
    databases = client.get("/-/databases.json")
    assert databases.status_code == 200 and [d["name"] for d in databases.json()] == ["catalog"]
    assert str(catalog_path) not in databases.text and "path" not in databases.json()[0]
    assert str(catalog_path) not in client.get("/-/databases").text


def test_ad_hoc_sql_is_never_cached_for_long(client):
    response = client.get("/catalog.json?sql=select+1")
    assert response.status_code == 200 and response.headers["cache-control"] == "public, max-age=300"
