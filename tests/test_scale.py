"""Issue 6: the static export, the synthetic national catalog, the facet indexes and the ASGI deployment entry
point (content-hashed URLs, memoized schema look-ups). Benchmarks themselves are not tests: `make bench`."""
import csv
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from bench.loopback import fetch as get, free_port, wait_until_serving
from tests.conftest import ROOT


def count(db_path, table):
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        return conn.execute(f"select count(*) from [{table}]").fetchone()[0]


# --- static export -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def static_copy(catalog_path, tmp_path_factory):
    from scripts.publish.static_export import export

    out = tmp_path_factory.mktemp("static") / "site"
    return out, export(catalog_path, out)


def test_static_export_has_every_table_as_json_and_csv(static_copy, catalog_path):
    out, manifest = static_copy
    from scripts.publish.static_export import metadata, visible_tables

    with sqlite3.connect(f"file:{catalog_path}?mode=ro", uri=True) as conn:
        tables = visible_tables(conn, metadata())
    assert "wards" in tables and "plan_tasks" in tables
    assert not [t for t in tables if t.endswith("_fts") or t.startswith("sqlite_")]
    assert set(manifest["tables"]) == set(tables)
    for table in tables:
        rows = json.loads((out / "catalog" / f"{table}.json").read_text(encoding="utf-8"))
        assert isinstance(rows, list) and len(rows) == count(catalog_path, table) == manifest["tables"][table]
        with open(out / "catalog" / f"{table}.csv", encoding="utf-8", newline="") as f:
            lines = list(csv.reader(f))
        assert len(lines) - 1 == len(rows)
        if rows:
            assert lines[0] == list(rows[0])


def test_static_export_keeps_codes_and_vietnamese_text(static_copy):
    out, _ = static_copy
    wards = json.loads((out / "catalog" / "wards.json").read_text(encoding="utf-8"))
    assert all(isinstance(w["code"], str) and len(w["code"]) == 5 for w in wards)
    assert any(w["name"] == "Xã Tân Hộ Cơ" for w in wards)
    with open(out / "catalog" / "wards.csv", encoding="utf-8", newline="") as f:
        first = next(r for r in csv.DictReader(f))
    assert len(first["code"]) == 5  # leading zeros kept as text


def test_static_export_catalog_api_and_manifest(static_copy, catalog_path):
    out, manifest = static_copy
    dcat = json.loads((out / "-" / "dcat.jsonld").read_text(encoding="utf-8"))
    datasets = [n for n in dcat["@graph"] if n.get("@type") == "dcat:Dataset"]
    assert {d["dct:identifier"] for d in datasets} == set(manifest["tables"])
    for d in datasets:
        assert d["rdfs:comment"] == f"{manifest['tables'][d['dct:identifier']]} rows"
        # Every distribution URL is a file of the copy (a static host ignores the query string).
        for dist in d["dcat:distribution"]:
            path = dist["dcat:downloadURL"]["@id"].split("?")[0].lstrip("/")
            assert (out / path).is_file(), path
    api = json.loads((out / "-" / "openapi.json").read_text(encoding="utf-8"))
    assert api["openapi"].startswith("3.1")
    assert all(f"/catalog/{t}.json" in api["paths"] for t in manifest["tables"])
    for name, info in manifest["files"].items():
        data = (out / name).read_bytes()
        assert len(data) == info["bytes"] and hashlib.sha256(data).hexdigest() == info["sha256"]
    assert (out / "catalog.db").read_bytes() == catalog_path.read_bytes()
    assert "catalog/wards.csv" in (out / "index.html").read_text(encoding="utf-8")


# --- synthetic national catalog ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def synthetic_builds(tmp_path_factory):
    from bench import synthetic

    builds = {}
    for scale in (0.5, 1):
        out = tmp_path_factory.mktemp(f"synthetic-{scale}")
        generated = synthetic.generate(scale, out)
        seconds, peak, report = synthetic.build(out)  # `python -m scripts.load.build` in the copy, as a user would
        builds[scale] = (out, generated, out / "build" / "catalog.db")
    return builds


def test_synthetic_build_goes_through_the_loader(synthetic_builds):
    out, generated, db_path = synthetic_builds[1]
    sources = out / "sources"
    # The same layout as the real sources, hashes recorded, all 34 provinces listed for the loader.
    with open(sources / "document_files.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            data = (sources / "documents" / row["file"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == row["sha256"]
    listed = [line for line in (sources / "catalog_provinces.txt").read_text().splitlines()
              if line.strip() and not line.startswith("#")]
    assert len(listed) == 34 and "82" in listed and "91" in listed
    assert list((sources / "curated" / "plan_tasks").glob("*.csv"))
    assert count(db_path, "provinces") == 34
    assert count(db_path, "wards") == 3321
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select count(distinct province_code) from wards").fetchone()[0] == 34
        # Every curated row's excerpt was found in its document (the build's fidelity check passed and
        # linked the passage).
        for table in ("plan_tasks", "capital_projects", "indicators", "decisions", "project_wards"):
            assert conn.execute(f"select count(*) from [{table}] where passage_id is null").fetchone()[0] == 0
        assert conn.execute("pragma foreign_key_check").fetchall() == []
        # Owners are long-tailed: one department owns far more projects than the median owner.
        owners = [r[0] for r in conn.execute("select count(*) from capital_projects group by owner_id order by 1 desc")]
        assert owners[0] >= 3 * owners[len(owners) // 2]


def test_synthetic_counts_scale(synthetic_builds):
    half, one = synthetic_builds[0.5][2], synthetic_builds[1][2]
    expected = {"plan_tasks": 113, "capital_projects": 60, "indicators": 188, "document_passages": 733}
    for table, base in expected.items():
        assert count(one, table) == pytest.approx(base, rel=0.05), table
        assert count(half, table) == pytest.approx(base / 2, rel=0.05), table
    assert count(half, "wards") == count(one, "wards") == 3321


def test_default_catalog_still_two_provinces(tmp_path, db):
    from scripts.load.reference import DEFAULT_PROVINCES, catalog_provinces

    assert catalog_provinces(ROOT / "sources") == DEFAULT_PROVINCES == ("82", "91")
    assert {r["code"] for r in db.query("select code from provinces")} == {"82", "91"}
    (tmp_path / "catalog_provinces.txt").write_text("# comment\n01\n82  # Đồng Tháp\n\n", encoding="utf-8")
    assert catalog_provinces(tmp_path) == ("01", "82")


# --- indexes -----------------------------------------------------------------------------------------------

def test_facet_indexes_cover_facet_counts(catalog_path, tmp_path):
    import sqlite_utils

    from scripts.load.indexes import create_indexes, facet_columns, planned_indexes

    copy = tmp_path / "catalog.db"
    shutil.copyfile(catalog_path, copy)
    db = sqlite_utils.Database(copy)
    assert facet_columns()["plan_tasks"][:1] == ["province_code"]
    create_indexes(db)
    assert planned_indexes(db) == []  # idempotent: nothing left to create
    for table, column in (("plan_tasks", "timing_kind"), ("capital_projects", "section"), ("wards", "type")):
        plan = " ".join(r[3] for r in db.execute(
            f"explain query plan select {column} as value, count(*) as count from (select * from {table})"
            f" where {column} is not null group by {column} order by count desc, value limit 31"))
        assert "COVERING INDEX" in plan, plan


# --- the ASGI entry point ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def asgi_server(catalog_path, tmp_path_factory):
    """scripts.serve.asgi under uvicorn on loopback, as deploy/ runs it."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CATALOG_DATABASE": str(catalog_path),
           "CATALOG_SETTINGS": json.dumps({"num_sql_threads": 0})}
    log = tmp_path_factory.mktemp("asgi") / "server.log"
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, "-m", "uvicorn", "scripts.serve.asgi:app", "--host", "127.0.0.1",
                                    "--port", str(port), "--log-level", "warning"], env=env, cwd=ROOT,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, process, timeout=30, log=log)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_hashed_urls_redirect_and_cache_for_a_year(asgi_server, catalog_path):
    digest = hashlib.sha256(catalog_path.read_bytes()).hexdigest()[:7]
    query = "_shape=array&province_code=82&type=ph%C6%B0%E1%BB%9Dng"  # the README's example, type=phường
    status, headers, _ = get(asgi_server + f"/catalog/wards.json?{query}")
    assert status == 302 and headers["location"] == f"/catalog-{digest}/wards.json?{query}"
    status, headers, body = get(asgi_server + headers["location"])
    assert status == 200 and headers["cache-control"] == "public, max-age=31536000, immutable"
    assert int(headers["content-length"]) == len(body)
    rows = json.loads(body)
    assert len(rows) == 20 and {(r["province_code"], r["type"]) for r in rows} == {("82", "phường")}
    # An old hash (a previous build) and the download URL redirect to the current hash.
    assert get(asgi_server + "/catalog-0000000/plan_tasks")[1]["location"] == f"/catalog-{digest}/plan_tasks"
    assert get(asgi_server + "/catalog.db")[1]["location"] == f"/catalog-{digest}.db"
    # Links inside pages use the hashed route; pages outside the database get a short lifetime.
    status, headers, page = get(asgi_server + f"/catalog-{digest}/plan_tasks")
    assert status == 200 and f'href="/catalog-{digest}/plan_tasks.json' in page.decode()
    status, headers, _ = get(asgi_server + "/-/search.json?q=dong+thap")
    assert status == 200 and headers["cache-control"] == "public, max-age=300"
    # A request with a cookie keeps Datasette's private answer; errors are never cacheable for a year.
    status, headers, _ = get(asgi_server + f"/catalog-{digest}/wards.json", headers={"Cookie": "a=b"})
    assert status == 200 and "public" not in headers["cache-control"] and "private" in headers["cache-control"]
    # Malformed parameters are the caller's mistake on the hashed route too (plugins/param_guard.py).
    assert get(asgi_server + f"/catalog-{digest}/plan_tasks.json?_sort=no_such_column")[0] == 400
    # The one deliberate difference of plugins/text_decoding.py: text that is not UTF-8 is an error, not U+FFFD.
    status, _, body = get(asgi_server + f"/catalog-{digest}.json?sql=select+cast(x%27ff41%27+as+text)")
    assert status == 400 and "Could not decode to UTF-8" in json.loads(body)["error"]
    status, headers, _ = get(asgi_server + f"/catalog-{digest}/no_such_table.json")
    assert status == 404 and "31536000" not in headers.get("cache-control", "")


def test_hostile_host_headers_on_the_deployment(asgi_server, catalog_path):
    """Issue 13 High 2 and 3 on uvicorn as deployed: a 5,000-byte Host, `Host: [` and a foreign Host answer like
    any other request, and neither the Link header nor next_url nor the redirect carries them; the redirect
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


RESPONSES = textwrap.dedent("""
    import asyncio, hashlib, json, re, sys
    import httpx
    from scripts.serve.asgi import create_app
    on = sys.argv[2] == "1"
    app = create_app(database=sys.argv[1], memo=on, speedups=on, hashed_urls=False)
    paths = json.loads(sys.argv[3])
    async def main():
        out = {}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            for path in paths:
                r = await client.get(path)
                body = re.sub(rb'"query_ms": [0-9.e-]+', b"", r.content)
                body = re.sub(rb"[0-9.]+ms", b"", body)
                out[path] = [r.status_code, hashlib.sha256(body).hexdigest()]
        print(json.dumps(out))
    asyncio.run(main())
""")


def test_deployment_optimisations_change_no_byte(catalog_path):
    """The deployment's schema memo and speedups are optimisations only: every page is the same without them."""
    import sqlite_utils

    db = sqlite_utils.Database(sqlite3.connect(f"file:{catalog_path}?mode=ro", uri=True))
    task = db.execute("select id from plan_tasks order by id limit 1").fetchone()[0]
    from datasette.utils import tilde_encode

    paths = ["/", "/catalog", "/catalog/plan_tasks", "/catalog/plan_tasks.json", "/catalog/wards.json?province_code=82",
             "/catalog/capital_projects.json?_facet=owner_id&section=A.II", "/catalog/plan_tasks.csv?_labels=on",
             "/catalog/plan_tasks.json?_search=camera+giam+sat", f"/catalog/plan_tasks/{tilde_encode(task)}.json",
             f"/catalog/plan_tasks/{tilde_encode(task)}", "/catalog/tasks_led_by_agency.json?agency=khoa+hoc",
             "/catalog/document_passages?_search=dong+thap&_facet=kind", "/-/search.json?q=dong+thap",
             "/catalog/wards.geojson?province_code=91", "/catalog/agencies", "/catalog.json",
             "/catalog/plan_tasks.json?_facet=due_year&_facet_array=lead_agencies&province_code=87",
             "/catalog/capital_projects?_facet=owner_id&owner_id__not=x%20y&_sort=id&q=%C4%90%E1%BB%93ng+/../x;y",
             "/catalog/wards?_facet=type&name__contains=T%C3%A2n&_size=5"]
    results = []
    for memo in ("0", "1"):
        out = subprocess.run([sys.executable, "-c", RESPONSES, str(catalog_path), memo, json.dumps(paths)],
                             capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert out.returncode == 0, out.stderr[-2000:]
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    without, with_them = results
    assert all(status == 200 for status, _ in without.values()), without
    assert with_them == without


def test_speedups_answer_what_datasette_answers():
    """The fast URL helper gives Datasette's own answer on ordinary and unusual paths, hosts and query strings."""
    from datasette.app import Datasette
    from datasette.utils.asgi import Request

    import scripts.serve.internals

    original_join = getattr(Datasette.absolute_url, "__wrapped__", Datasette.absolute_url)
    fast_join = scripts.serve.internals._absolute_url(original_join)  # not installed: this process stays as it was
    ds = Datasette(memory=True)
    paths = ["/catalog/plan_tasks?a=1", "/catalog/x/../y?a=1", "/catalog/./y", "/catalog/..", "//evil.example/x",
             "/c;params?q", "/c#frag", "/c?", "/c/x?y=/../z", "/c\tx", "/c x", "relative/x", "/Đồng", "/c/~2E~2E/x",
             "/c/.hidden", "/c/..x"]
    hosts = [b"localhost:8001", b"EXAMPLE.org", b"[::1]:8001", b"a b", b"h\xc3\xa9"]
    queries = [b"", b"_facet=x&q=%C4%90+%2F..%2F", b"a=1&a=2&_size=5", b"x=%00"]
    for host in hosts:
        for query in queries:
            scope = {"type": "http", "method": "GET", "scheme": "http", "path": "/catalog/plan_tasks",
                     "raw_path": b"/catalog/plan_tasks", "query_string": query, "headers": [(b"host", host)]}
            for path in paths:
                request = Request(scope, None)
                assert fast_join(ds, request, path) == original_join(ds, request, path), (host, path)


def test_python_rendered_table_parts_match_datasette_templates(catalog_path, tmp_path):
    """templates/_table.html and _facet_results.html render rows, header and facets in Python (with the spec's
    labels and words since issue 15): the pages must list the same rows, in the same order, and the same facet
    values with the same counts and links as Datasette's own templates."""
    import asyncio
    import re

    from scripts.serve.portal import create_datasette

    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    (templates / "_table.html").unlink()
    (templates / "_facet_results.html").unlink()
    ours, stock = create_datasette(catalog_path), create_datasette(catalog_path, templates=templates)

    async def pages(ds, paths):
        return [(await ds.client.get(path)).text for path in paths]

    paths = ["/catalog/plan_tasks", "/catalog/plan_tasks?_facet_size=3&province_code=82&_sort_desc=due_year",
             "/catalog/plan_tasks?_facet_array=lead_agencies&_sort=task&_size=5&_facet_size=max",
             "/catalog/wards?_facet=type&type=x%C3%A3&_size=7", "/catalog/capital_projects?_facet=owner_id",
             "/catalog/document_passages?_search=dong+thap&_facet=kind", "/catalog/task_agencies?_size=3",
             "/catalog/agencies?_facet=kind&_sort=name"]
    loop = asyncio.new_event_loop()
    try:
        mine, theirs = loop.run_until_complete(pages(ours, paths)), loop.run_until_complete(pages(stock, paths))
    finally:
        loop.close()
    rows = re.compile(r'<td class="col-[^"]* type-pk"><a href="([^"]+)"')
    facet_values = re.compile(r'<li><a href="([^"]+)">[^<]*</a> ([0-9.,]+)</li>')

    def facets(html):
        return [(href, count.replace(".", "").replace(",", "")) for href, count in facet_values.findall(html)]

    for path, a, b in zip(paths, mine, theirs):
        assert 'class="rows-and-columns"' in a and "facet-results" in a, path
        assert rows.findall(a) == rows.findall(b) and rows.findall(a), path
        assert facets(a) == facets(b) and facets(a), path


def test_internals_turn_themselves_off_on_another_datasette(caplog):
    """Every replacement of a Datasette internal sits behind one version check: on any other version nothing is
    patched and one log line says so."""
    from datasette.app import Datasette
    from datasette.database import Database

    from scripts.serve import internals

    before = (Datasette.absolute_url, Database.table_columns, Datasette._table_permission_allows)
    with caplog.at_level("WARNING", logger="catalog.internals"):
        assert internals.install(version="1.0a41") == []
    assert (Datasette.absolute_url, Database.table_columns, Datasette._table_permission_allows) == before
    assert len(caplog.records) == 1 and "1.0a41 is not 0.65.5" in caplog.records[0].getMessage()
    # Each names what justifies it: a measured gain, or (the correctness patch) the test that fails without it.
    assert all(p.justification.startswith("BENCHMARKS.md") for p in internals.PATCHES
               if p.name not in internals.CORRECTNESS)
    assert all(internals.BY_NAME[name].justification.startswith("correctness: ") for name in internals.CORRECTNESS)


def test_text_decoding_is_strict_under_make_serve_too(client):
    """plugins/text_decoding.py (a prepare_connection hook): SQLite's own UTF-8 decoding everywhere."""
    response = client.get("/catalog.json?sql=select+cast(x%27ff41%27+as+text)")
    assert response.status_code == 400 and "Could not decode to UTF-8" in response.json()["error"]


@pytest.mark.parametrize("server", ["live_server", "asgi_server"])
def test_sorted_paging_is_exact_under_make_serve_and_the_deployment(server, request, catalog_path):
    """The sort tie-breaker (scripts/serve/internals.py, installed by plugins/sorted_paging.py) is active in both
    ways the catalog is served: pages of plan_tasks sorted by province_code (descending) and of task_agencies by
    role — cases plain Datasette 0.65.5 pages wrongly, repeating rows and losing others — hold every row once."""
    base = request.getfixturevalue(server)
    keys = {"plan_tasks": ["id"], "task_agencies": ["task_id", "role", "ordinal"]}
    with sqlite3.connect(catalog_path) as conn:
        expected = {t: sorted(conn.execute(f"select {', '.join(k)} from {t}")) for t, k in keys.items()}
    for table, sort in (("plan_tasks", "_sort_desc=province_code"), ("task_agencies", "_sort=role"),
                        ("task_agencies", "_sort_desc=role")):
        seen, url = [], f"/catalog/{table}.json?{sort}&_size=7&_shape=objects"
        while url:
            status, headers, body = get(base + url)
            if status == 302:  # the deployment's content-hashed route
                url = headers["location"]
                continue
            assert status == 200, (url, body[:300])
            page = json.loads(body)
            seen += [tuple(row[k] for k in keys[table]) for row in page["rows"]]
            url = page["next_url"] and "/" + page["next_url"].split("://", 1)[-1].split("/", 1)[-1]
        assert sorted(seen) == expected[table], (server, table, sort)
