"""Issue 6: the ASGI deployment entry point — content-hashed URLs, and the deployment's optimisations (schema memo,
speedups, Python-rendered table parts, internals behind one version check) change no byte. Benchmarks themselves
are not tests: `make bench`."""
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap

from bench.loopback import fetch as get
from tests.conftest import ROOT


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


def test_facet_links_are_the_links_datasette_builds():
    """internals.facet_links encodes the page's query once and each (column, value) pair once per process: the
    same link as Datasette's path_with_added_args for every query string, value type and removal (seeded)."""
    import random

    from datasette.utils import path_with_added_args as original

    import scripts.serve.internals

    fast = scripts.serve.internals._path_with_added_args(original)  # not installed: this process stays as it was

    class Request:
        def __init__(self, query_string, path="/catalog/plan_tasks"):
            self.query_string, self.path = query_string, path

    values = ["Sở Tài chính", "a&b=c", "", " ", "x y", 1, 1.0, True, 0, None, "%20", "+", "đ", 2.5, -1, (1, 2), [3]]
    keys = ["_facet", "owner_id", "due_year", "_next", "a b", "đ", ""]
    queries = ["", "a=1", "_facet=due_year&_facet=owner_id", "x=%C4%91&y=+&z", "a=1&a=2&b=", "&&", "_next=5&_sort=id",
               "_facet=owner_id&q=" + "%C4%91" * 700]  # the last one longer than the remembered ones
    rng = random.Random(11)
    for _ in range(5000):
        query = rng.choice(queries)
        args = [(rng.choice(keys), rng.choice(values)) for _ in range(rng.randint(0, 3))]
        args = dict(args) if rng.random() < 0.5 else args
        path = rng.choice([None, "/catalog/wards"])
        assert fast(Request(query), args, path) == original(Request(query), args, path), (query, args, path)


def test_per_request_memos_follow_what_changes():
    """request_args re-parses a query string a plugin changed; anonymous_permissions keeps a denial a denial and
    asks afresh for a signed-in actor; table_view_hooks honours a render_cell or facet plugin registered later."""
    import asyncio

    from datasette import hookimpl
    from datasette.app import Datasette
    from datasette.facets import ColumnFacet
    from datasette.plugins import pm
    from datasette.utils.asgi import Request

    from scripts.serve import internals

    args = internals._memoized_args(Request.args)
    request = Request({"type": "http", "query_string": b"a=1&b=2", "headers": []}, None)
    assert args.fget(request).get("a") == "1" and args.fget(request) is args.fget(request)
    request.scope["query_string"] = b"a=3"
    assert args.fget(request).get("a") == "3" and args.fget(request).get("b") is None

    allowed = internals._memoized_anonymous(Datasette.permission_allowed)
    ds = Datasette(memory=True, metadata={"databases": {"_memory": {"allow": {"id": "root"}}}})
    loop = asyncio.new_event_loop()
    try:
        ask = lambda actor: loop.run_until_complete(allowed(ds, actor, "view-database", "_memory", True))  # noqa
        assert [ask(None), ask(None), ask({"id": "root"}), ask({"id": "someone"}), ask(None)] == [
            False, False, True, False, False]
        # A permission plugin registered later is asked, as Datasette asks it.
        open_ds = Datasette(memory=True)
        ask_open = lambda: loop.run_until_complete(allowed(open_ds, None, "view-database", "_memory", True))  # noqa

        class Deny:
            __name__ = "deny_for_test"

            @hookimpl
            def permission_allowed(self, action):
                return False if action == "view-database" else None

        assert ask_open() is True
        pm.register(Deny(), name="deny_for_test")
        try:
            assert ask_open() is False
        finally:
            pm.unregister(name="deny_for_test")
        assert ask_open() is True
    finally:
        loop.close()

    # The memos hold names from request paths: a client asking for endless made-up tables cannot grow them forever.
    cache = {}
    for n in range(internals.MEMO_ENTRIES * 3):
        internals._remember(cache, ("table_exists", (f"no_such_table_{n}",)), False)
    assert 0 < len(cache) <= internals.MEMO_ENTRIES
    cache = {}
    internals._remember(cache, ("table_exists", ("x" * (internals.MEMO_NAME + 1),)), False)
    assert cache == {}

    hooks = internals._TableViewHooks()
    assert hooks.render_cell is internals._no_render_cell
    stock = [c for classes in pm.hook.register_facet_classes() for c in classes]
    assert [c for classes in hooks.register_facet_classes() for c in classes] == stock

    class Extra(ColumnFacet):
        type = "extra_for_test"

    class Plugin:
        __name__ = "plugin_for_test"

        @hookimpl
        def render_cell(self, value):
            return None

        @hookimpl
        def register_facet_classes(self):
            return [Extra]

    pm.register(Plugin(), name="plugin_for_test")
    try:
        assert hooks.render_cell is pm.hook.render_cell
        assert Extra in [c for classes in hooks.register_facet_classes() for c in classes]
    finally:
        pm.unregister(name="plugin_for_test")
    assert hooks.render_cell is internals._no_render_cell
    assert [c for classes in hooks.register_facet_classes() for c in classes] == stock


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

    before = (Datasette.absolute_url, Database.table_columns, Datasette.permission_allowed)
    with caplog.at_level("WARNING", logger="catalog.internals"):
        assert internals.install(version="1.0a41") == []
    assert (Datasette.absolute_url, Database.table_columns, Datasette.permission_allowed) == before
    assert len(caplog.records) == 1 and "1.0a41 is not 0.65.5" in caplog.records[0].getMessage()
    # Each names what justifies it: a measured gain, or (the correctness patch) the test that fails without it.
    assert all(p.justification.startswith("BENCHMARKS.md") for p in internals.PATCHES
               if p.name not in internals.CORRECTNESS)
    assert all(internals.BY_NAME[name].justification.startswith("correctness: ") for name in internals.CORRECTNESS)


def test_text_decoding_is_strict_under_make_serve_too(client):
    """plugins/text_decoding.py (a prepare_connection hook): SQLite's own UTF-8 decoding everywhere."""
    response = client.get("/catalog.json?sql=select+cast(x%27ff41%27+as+text)")
    assert response.status_code == 400 and "Could not decode to UTF-8" in response.json()["error"]
