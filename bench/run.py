"""The benchmark: `make bench` (or `python -m bench.run`). Prints tables; a complete run writes its figures to
bench/results.json and to the "Latest figures" section of BENCHMARKS.md (partial runs: build/bench/).

Everything runs on this machine, against servers the harness starts on 127.0.0.1 and stops afterwards:

1. build    seconds and peak memory of `python -m scripts.load.build` from sources/ (into build/bench/, the
            served build/catalog.db is not touched) and of `datasette inspect`.
2. serving  wrk (fixed duration, 32 connections) on each endpoint, side by side in the same run and on the
            same payloads:
              static-python  `python -m http.server` serving the identical response bytes (files captured from
                             the portal): the reference of the issue's starting figures;
              static-nginx   nginx serving the same files: what this machine can do (the physical ceiling);
              default        `datasette serve` with Datasette's default settings on the same database;
              portal         the `make serve` configuration (one process, settings.json);
              replicas       two scripts.serve.asgi processes behind nginx, no cache: the uncached deployment;
              cached         the same behind nginx's cache (content-hashed URLs, repeats served by nginx).
            Ratios are taken between figures of this one run, never against remembered numbers.
3. steps    what bought what: the same endpoints through each change in turn (settings, HTTP stack, schema
            memo, workers, replicas, cache).
4. scale    synthetic national catalogs (bench/synthetic.py) at 1x, 10x, 100x through the same loader:
            unloaded latency (1 connection) and throughput (32 connections) per endpoint; at 100x also without
            `datasette inspect` counts and with/without the facet indexes of scripts/load/indexes.py.

Options: --quick (short runs, for trying the harness), --only serving,steps,scale,build, --duration N.
"""
import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from bench import servers, wrk
from bench.loopback import fetch, free_port

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "bench"
RESULTS = ROOT / "bench" / "results.json"
PYTHON = sys.executable

# Endpoints: name -> (path on /catalog/, file extension of the captured payload, what it is)
ENDPOINTS = {
    "table_json": ("/catalog/plan_tasks.json", "json", "table page as JSON (100 rows; facets only when asked)"),
    "table_json_facets": ("/catalog/plan_tasks.json?_facet=due_year", "json",
                          "the same page asking for a facet: it also gets the table's 5 default facets"),
    "facets": ("/catalog/capital_projects.json?_facet=owner_id&section=A.II", "json",
               "faceted, filtered table (owner facet with agency labels, plus the table's facets)"),
    "search": ("/catalog/plan_tasks.json?_search=camera+giam+sat", "json", "full-text search in a table (no diacritics)"),
    "search_all": ("/-/search.json?q=dong+thap", "json", "ranked search over every table"),
    "row": ("/catalog/plan_tasks/{row}.json", "json", "one row"),
    "canned": ("/catalog/tasks_led_by_agency.json?agency=khoa+hoc", "json", "canned query"),
    "csv": ("/catalog/plan_tasks.csv?_labels=on&_size=max", "csv", "CSV export of the whole table (streamed)"),
    "html": ("/catalog/plan_tasks", "html", "HTML table page (25 rows, the default for people)"),
    "html_100": ("/catalog/plan_tasks?_size=100", "html", "the same HTML page with 100 rows"),
}
TARGETS = {"table_json": 0.5, "facets": 0.5, "search": 0.5, "html": 0.15}
CACHED_TARGET = 0.9
SCALE_P50_TARGET_MS = 50


def log(*args):
    print(*args, flush=True)


# ---------------------------------------------------------------------------------------------------------------
# 1. Build

RUSAGE_WRAPPER = ("import resource, runpy, sys; sys.argv = [sys.argv[1]] + sys.argv[2:]; code = 0\n"
                  "try:\n    runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)\n"
                  "except SystemExit as e:\n    code = e.code or 0\n"
                  "print('PEAK_RSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
                  "sys.exit(code)\n")


def timed_module(module, *args, cwd=ROOT):
    started = time.perf_counter()
    result = subprocess.run([PYTHON, "-c", RUSAGE_WRAPPER, module, *args], cwd=cwd, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(cwd)})
    seconds = time.perf_counter() - started
    peak = re.search(r"PEAK_RSS_KB (\d+)", result.stderr)
    return {"ok": result.returncode == 0, "seconds": round(seconds, 2),
            "peak_mib": round(int(peak.group(1)) / 1024, 1) if peak else None,
            "error": None if result.returncode == 0 else result.stderr.strip()[-800:]}


def measure_build():
    OUT.mkdir(parents=True, exist_ok=True)
    database = OUT / "catalog.db"
    build = timed_module("scripts.load.build", "--out", str(database))
    inspect = timed_module("datasette", "inspect", str(database), "--inspect-file", str(OUT / "inspect.json")) \
        if build["ok"] else None
    return {"build": build, "inspect": inspect, "bytes": database.stat().st_size if database.exists() else None}


# ---------------------------------------------------------------------------------------------------------------
# Endpoints and payloads

def first_row_id(database):
    from datasette.utils import tilde_encode

    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        return tilde_encode(conn.execute("select id from plan_tasks order by id limit 1").fetchone()[0])


def endpoint_paths(database, route="catalog"):
    row = first_row_id(database)
    return {name: path.format(row=row).replace("/catalog/", f"/{route}/", 1)
            for name, (path, _, _) in ENDPOINTS.items()}


def hashed_route(base):
    status, headers, _ = fetch(base + "/catalog")
    location = headers.get("location", "")
    return location.strip("/").split("/")[0] if status == 302 else "catalog"


def check(url):
    """One request before the load: status, size, and whether Datasette dropped facets for time."""
    status, headers, body = fetch(url)
    info = {"status": status, "bytes": len(body), "cache": headers.get("x-cache-status")}
    if status == 200 and headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if isinstance(data, dict) and data.get("facets_timed_out"):
            info["facets_timed_out"] = data["facets_timed_out"]
    return info, body


def load(url, duration, connections=32):
    info, _ = check(url)
    if info["status"] != 200:
        return {**info, "rps": None, "error": f"HTTP {info['status']}"}
    result = wrk.run(url, duration=duration, connections=connections)
    return {**info, **result}


# ---------------------------------------------------------------------------------------------------------------
# 2. Serving: the side-by-side table

# Each replica runs its SQL on its event loop (no thread hand-off): measured +40-65% on table pages (steps).
# A slow query then holds only its own replica; nginx (least_conn) sends the next requests to the others.
REPLICA_SETTINGS = {"num_sql_threads": 0}


@contextlib.contextmanager
def replicas(database, inspect, count=2, memo=True, settings=REPLICA_SETTINGS, name="replica"):
    """`count` scripts.serve.asgi processes, one uvicorn worker each; all stopped when the block ends."""
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(servers.uvicorn_app(database, free_port(), workers=1, inspect=inspect, memo=memo,
                                                       settings=settings, name=f"{name}-{i + 1}"))
               for i in range(count)]


def serving(database, inspect, duration):
    results = {name: {} for name in ENDPOINTS}
    static_dir = OUT / "static"
    if static_dir.exists():
        shutil.rmtree(static_dir)
    static_dir.mkdir(parents=True)
    plain = endpoint_paths(database)
    with replicas(database, inspect) as ours, \
            servers.nginx_proxy([s.port for s in ours], free_port(), cache=False, name="nginx-replicas") as proxy, \
            servers.nginx_proxy([s.port for s in ours], free_port(), cache=True, name="nginx-cache") as cache:
        paths = endpoint_paths(database, hashed_route(proxy.base))
        # The payloads the static servers serve: the portal's own bytes.
        for name, path in paths.items():
            _, body = check(proxy.base + path)
            (static_dir / f"{name}.{ENDPOINTS[name][1]}").write_bytes(body)
        for name in ENDPOINTS:
            log(f"  replicas  {name}")
            results[name]["replicas"] = load(proxy.base + paths[name], duration)
            fetch(cache.base + paths[name])  # fill the cache entry
            log(f"  cached    {name}")
            results[name]["cached"] = load(cache.base + paths[name], duration)

    with servers.python_static(static_dir, free_port()) as static_py, \
            servers.nginx_static(static_dir, free_port()) as static_ngx:
        for name in ENDPOINTS:
            file = f"/{name}.{ENDPOINTS[name][1]}"
            log(f"  static    {name}")
            results[name]["static_python"] = load(static_py.base + file, duration)
            results[name]["static_nginx"] = load(static_ngx.base + file, duration)

    # One process each, one after the other: Datasette's defaults, then the `make serve` configuration.
    for label, start in (("default", lambda: servers.datasette_default(database, free_port())),
                         ("portal", lambda: servers.portal_single(database, free_port(), inspect=inspect))):
        with start() as server:
            for name in ENDPOINTS:
                log(f"  {label:<9} {name}")
                results[name][label] = load(server.base + plain[name], duration)
    for name, row in results.items():
        row["ratios"] = ratios(row)
    return results


def ratio(a, b):
    return round(a / b, 3) if a and b else None


def ratios(row):
    out = {}
    for config in ("replicas", "cached", "portal", "default"):
        rps = (row.get(config) or {}).get("rps")
        out[config] = {"vs_static_python": ratio(rps, (row.get("static_python") or {}).get("rps")),
                       "vs_static_nginx": ratio(rps, (row.get("static_nginx") or {}).get("rps")),
                       "vs_default": ratio(rps, (row.get("default") or {}).get("rps"))}
    return out


# ---------------------------------------------------------------------------------------------------------------
# 3. Steps: what bought what

STEP_ENDPOINTS = ["table_json", "table_json_facets", "facets", "html", "html_100"]


def steps(database, inspect, duration):
    plain = endpoint_paths(database)
    out = []

    def measure(label, base, paths):
        row = {"step": label}
        for name in STEP_ENDPOINTS:
            row[name] = load(base + paths[name], duration)
        out.append(row)
        log(f"  {label}: " + ", ".join(f"{n} {row[n].get('rps') or 0:.0f}/s" for n in STEP_ENDPOINTS))

    with servers.datasette_default(database, free_port()) as s:
        measure("1 datasette serve, default settings", s.base, plain)
    with servers.portal_single(database, free_port(), inspect=inspect) as s:
        measure("2 settings.json + --immutable + inspect (make serve)", s.base, plain)
    with servers.uvicorn_app(database, free_port(), inspect=inspect, memo=False, hashed=False, fast_http=False,
                             speedups=False) as s:
        measure("3 same as ASGI app under uvicorn, h11 + asyncio", s.base, plain)
    with servers.uvicorn_app(database, free_port(), inspect=inspect, memo=False, hashed=False, speedups=False) as s:
        measure("4 + httptools + uvloop", s.base, plain)
    with servers.uvicorn_app(database, free_port(), inspect=inspect, memo=True, hashed=False, speedups=False) as s:
        measure("5 + schema look-ups and anonymous permissions memoized (scripts/serve/internals.py)", s.base, plain)
    with servers.uvicorn_app(database, free_port(), inspect=inspect, memo=True, hashed=False) as s:
        measure("6 + faster Datasette helpers (scripts/serve/internals.py)", s.base, plain)
    with servers.uvicorn_app(database, free_port(), inspect=inspect, memo=True, hashed=False,
                             settings=REPLICA_SETTINGS) as s:
        measure("7 + num_sql_threads 0 (SQL on the event loop)", s.base, plain)
    with servers.uvicorn_app(database, free_port(), workers=2, inspect=inspect, memo=True, hashed=False,
                             settings=REPLICA_SETTINGS) as s:
        measure("8 two uvicorn workers sharing one socket", s.base, plain)
    with replicas(database, inspect) as started:
        with servers.nginx_proxy([s.port for s in started], free_port(), cache=False, name="nginx-steps") as proxy:
            paths = endpoint_paths(database, hashed_route(proxy.base))
            measure("9 two replicas behind nginx, least_conn (hashed URLs)", proxy.base, paths)
        with servers.nginx_proxy([s.port for s in started], free_port(), cache=True, name="nginx-steps-cache") as proxy:
            for name in STEP_ENDPOINTS:
                fetch(proxy.base + paths[name])
            measure("10 + nginx cache (repeats)", proxy.base, paths)
    return out


# ---------------------------------------------------------------------------------------------------------------
# 4. Scale

SCALE_ENDPOINTS = ["table_json", "facets", "search", "search_all", "row", "canned", "html", "csv"]


def inspect_file(database):
    target = Path(database).with_name("inspect.json")
    if not target.exists() or target.stat().st_mtime < Path(database).stat().st_mtime:
        subprocess.run([PYTHON, "-m", "datasette", "inspect", str(database), "--inspect-file", str(target)],
                       check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return target


def index_variant(database, add):
    """A copy of the database with the facet indexes of scripts/load/indexes.py added (add=True) or dropped."""
    import sqlite_utils

    from scripts.load.indexes import create_indexes

    target = Path(database).parent / ("with-facet-indexes" if add else "without-facet-indexes") / "catalog.db"
    target.parent.mkdir(exist_ok=True)
    shutil.copyfile(database, target)
    db = sqlite_utils.Database(target)
    if add:
        create_indexes(db)
    else:
        for name in facet_index_names(db):
            db.execute(f"drop index if exists [{name}]")
    db.execute("analyze")
    db.conn.commit()
    db.vacuum()
    db.close()
    return target


def facet_index_names(db):
    """Names of the indexes scripts.load.indexes.create_indexes makes (foreign-key indexes of the build excluded)."""
    from scripts.load.indexes import FILTER_FIRST, facet_columns, index_name

    names = set()
    for table, columns in facet_columns().items():
        if not db[table].exists():
            continue
        fks = {fk.column for fk in db[table].foreign_keys}
        for column in columns:
            if column not in fks:
                names.add(index_name(table, (column,)))
            names.add(index_name(table, (FILTER_FIRST, column)))
    existing = {r[0] for r in db.execute("select name from sqlite_master where type = 'index'")}
    return sorted(names & existing)


def measure_scale(database, inspect, label, endpoints, duration, connections=(1, 32)):
    """Unloaded latency (1 connection) and throughput (32 connections) of the deployment (two replicas
    behind nginx, no cache) on one database."""
    row = {"variant": label, "bytes": Path(database).stat().st_size}
    with replicas(database, inspect, name=f"scale-{label}") as started, \
            servers.nginx_proxy([s.port for s in started], free_port(), cache=False, name=f"nginx-{label}") as proxy:
        paths = endpoint_paths(database, hashed_route(proxy.base))
        for name in endpoints:
            row[name] = {}
            for c in connections:
                row[name][f"c{c}"] = load(proxy.base + paths[name], duration if c > 1 else max(2, duration * 2 // 3), c)
            log(f"  {label} {name}: p50 {row[name]['c1'].get('p50_ms')} ms (1 conn), "
                f"{(row[name].get('c32') or {}).get('rps')} req/s (32 conn)"
                + (f", facets timed out: {row[name]['c1']['facets_timed_out']}"
                   if row[name]['c1'].get('facets_timed_out') else ""))
    return row


def scale(duration, factors=(1, 10, 100)):
    import sqlite_utils

    from bench import synthetic
    from scripts.load.indexes import planned_indexes

    out = {"factors": {}, "variants": []}
    for factor in factors:
        started = time.perf_counter()
        info = synthetic.ensure(factor)
        database = Path(info["database"])
        inspect = inspect_file(database)
        log(f"  {factor}x: {info['generated']} ({'reused' if info['reused'] else 'built'} in "
            f"{time.perf_counter() - started:.0f}s)")
        out["factors"][str(factor)] = {
            "generated": info["generated"], "build_seconds": info["build_seconds"],
            "build_peak_mib": info["build_peak_mib"], "bytes": info["bytes"],
            "facet_indexes_in_build": not planned_indexes(sqlite_utils.Database(database)),
            **measure_scale(database, inspect, f"{factor}x", SCALE_ENDPOINTS, duration)}
        if factor == max(factors):
            names = ["table_json", "facets", "search"]
            out["variants"].append(measure_scale(database, None, f"{factor}x-no-inspect", names, duration, (1,)))
            if planned_indexes(sqlite_utils.Database(database)):  # the build does not make them yet: add on a copy
                indexed = index_variant(database, add=True)
                out["variants"].append(measure_scale(indexed, inspect_file(indexed), f"{factor}x+facet-indexes",
                                                     names, duration))
            else:
                bare = index_variant(database, add=False)
                out["variants"].append(measure_scale(bare, inspect_file(bare), f"{factor}x-without-facet-indexes",
                                                     names, duration))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Report

def fmt(value, digits=0, suffix=""):
    if value is None:
        return "—"
    return f"{value:.{digits}f}{suffix}"


def print_serving(results):
    log("\nServing (wrk, 32 connections; ratios are requests/s over requests/s of the same run)")
    header = (f"{'endpoint':<11} {'static-py':>9} {'nginx':>8} {'default':>8} {'portal':>7} {'replicas':>8} "
              f"{'p50 ms':>7} {'p99 ms':>7} {'cached':>7} │ {'÷py':>6} {'÷nginx':>7} {'÷default':>8} │ "
              f"{'cached÷py':>9} {'÷nginx':>7}")
    log(header)
    log("─" * len(header))
    for name, row in results.items():
        r, c = row.get("replicas") or {}, row.get("cached") or {}
        q = row["ratios"]
        log(f"{name:<11} {fmt((row.get('static_python') or {}).get('rps')):>9} "
            f"{fmt((row.get('static_nginx') or {}).get('rps')):>8} {fmt((row.get('default') or {}).get('rps')):>8} "
            f"{fmt((row.get('portal') or {}).get('rps')):>7} {fmt(r.get('rps')):>8} {fmt(r.get('p50_ms'), 1):>7} "
            f"{fmt(r.get('p99_ms'), 0):>7} {fmt(c.get('rps')):>7} │ "
            f"{fmt(q['replicas']['vs_static_python'], 2, '×'):>6} {fmt(q['replicas']['vs_static_nginx'], 3, '×'):>7} "
            f"{fmt(q['replicas']['vs_default'], 1, '×'):>8} │ {fmt(q['cached']['vs_static_python'], 2, '×'):>9} "
            f"{fmt(q['cached']['vs_static_nginx'], 2, '×'):>7}")
    problems = [(n, cfg, v) for n, row in results.items() for cfg, v in row.items()
                if isinstance(v, dict) and (v.get("errors") or v.get("non_2xx_3xx") or v.get("facets_timed_out"))]
    for name, cfg, v in problems:
        log(f"  note: {name}/{cfg}: errors {v.get('errors')}, non-2xx {v.get('non_2xx_3xx')}, "
            f"facets timed out {v.get('facets_timed_out')}")


def print_steps(rows):
    log("\nWhat bought what (requests/s, 32 connections)")
    log(f"{'step':<56} " + " ".join(f"{n:>10}" for n in STEP_ENDPOINTS))
    for row in rows:
        log(f"{row['step']:<56} " + " ".join(f"{fmt(row[n].get('rps')):>10}" for n in STEP_ENDPOINTS))


def print_scale(data):
    factors = list(data["factors"])
    log("\nScale: p50 latency with 1 connection (ms) / requests/s with 32 connections")
    log(f"{'endpoint':<11} " + " ".join(f"{f + 'x':>16}" for f in factors))
    for name in SCALE_ENDPOINTS:
        cells = []
        for f in factors:
            d = data["factors"][f].get(name) or {}
            cells.append(f"{fmt((d.get('c1') or {}).get('p50_ms'), 1)} / {fmt((d.get('c32') or {}).get('rps'))}")
        log(f"{name:<11} " + " ".join(f"{c:>16}" for c in cells))
    for f in factors:
        d = data["factors"][f]
        log(f"  {f}x: {d['generated'].get('document_passages')} passages, {d['generated'].get('plan_tasks')} tasks, "
            f"{d['bytes'] / 1e6:.0f} MB, build {d['build_seconds']}s, peak {d['build_peak_mib']} MiB")
    for row in data["variants"]:
        log(f"  {row['variant']}: " + ", ".join(
            f"{n} p50 {fmt((row[n].get('c1') or {}).get('p50_ms'), 1)} ms" for n in ("table_json", "facets", "search")))


def verdicts(report):
    """The issue's targets, judged against static-python: the kind of server its starting figures were measured
    against (BENCHMARKS.md, Method). nginx, this machine's ceiling, is reported beside them (nginx_context)."""
    out = []
    serving_results = report.get("serving") or {}
    for name, target in TARGETS.items():
        q = (serving_results.get(name) or {}).get("ratios", {}).get("replicas", {})
        if q.get("vs_static_python") is not None:
            out.append((f"{name} uncached ÷ static_python ≥ {target}", q["vs_static_python"],
                        q["vs_static_python"] >= target))
    for name in ENDPOINTS:
        q = (serving_results.get(name) or {}).get("ratios", {}).get("cached", {})
        if q.get("vs_static_python") is not None:
            out.append((f"{name} cached ÷ static_python ≥ {CACHED_TARGET}", q["vs_static_python"],
                        q["vs_static_python"] >= CACHED_TARGET))
    biggest = max((report.get("scale") or {}).get("factors", {}) or {"0": None}, key=float)
    top = ((report.get("scale") or {}).get("factors") or {}).get(biggest) or {}
    for name in ("facets", "search"):
        p50 = ((top.get(name) or {}).get("c1") or {}).get("p50_ms")
        if p50 is not None:
            out.append((f"{name} p50 at {biggest}x (1 connection) < {SCALE_P50_TARGET_MS} ms", p50, p50 < SCALE_P50_TARGET_MS))
    return out


def nginx_context(report):
    """Lowest and highest ratio to nginx serving the same bytes, uncached and cached (no target)."""
    out = {}
    for config in ("replicas", "cached"):
        values = [row["ratios"][config]["vs_static_nginx"] for row in (report.get("serving") or {}).values()
                  if row.get("ratios", {}).get(config, {}).get("vs_static_nginx") is not None]
        if values:
            out[config] = [min(values), max(values)]
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description="Benchmark the catalog (see the module docstring)")
    parser.add_argument("--only", default="build,serving,steps,scale")
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", 5)))
    parser.add_argument("--quick", action="store_true", help="2-second runs, scale up to 10x")
    parser.add_argument("--scales", default="1,10,100")
    args = parser.parse_args(argv)
    parts = set(args.only.split(","))
    duration = 2 if args.quick else args.duration
    factors = [float(f) if "." in f else int(f) for f in args.scales.split(",")]
    if args.quick:
        factors = [f for f in factors if f <= 10]
    for tool, hint in (("wrk", "apt-get install wrk"), ("nginx", "apt-get install nginx-light")):
        if not shutil.which(tool) and not (tool == "nginx" and servers.nginx_binary()):
            sys.exit(f"{tool} is missing ({hint}; `make bench` installs it)")
    database, inspect = ROOT / "build" / "catalog.db", ROOT / "build" / "inspect.json"
    if not database.exists():
        sys.exit("build/catalog.db is missing: run `make build` first")
    started = time.perf_counter()
    report = {"started": time.strftime("%Y-%m-%d %H:%M:%S %z"),
              "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                          "load_average_before": os.getloadavg()},
              "method": {"tool": "wrk", "connections": 32, "duration_s": duration, "threads": 2,
                         "endpoints": {n: {"path": p, "what": w} for n, (p, _, w) in ENDPOINTS.items()}}}
    if "build" in parts:
        log("build …")
        report["build"] = measure_build()
        b = report["build"]["build"]
        log(f"  build {b['seconds']}s, peak {b['peak_mib']} MiB" + ("" if b["ok"] else f" FAILED: {b['error']}"))
    if "serving" in parts:
        log("serving …")
        report["serving"] = serving(database, inspect, duration)
        print_serving(report["serving"])
    if "steps" in parts:
        log("steps …")
        report["steps"] = steps(database, inspect, max(2, duration - 1))
        print_steps(report["steps"])
    if "scale" in parts:
        log("scale …")
        report["scale"] = scale(max(2, duration - 1), factors)
        print_scale(report["scale"])
    report["verdicts"] = [{"target": t, "value": v, "met": ok} for t, v, ok in verdicts(report)]
    report["nginx_context"] = nginx_context(report)
    log("\nTargets (against static-python)")
    for t, v, ok in verdicts(report):
        log(f"  {'met ' if ok else 'NOT '} {t}: {v}")
    for config, (low, high) in report["nginx_context"].items():
        log(f"  ({config} ÷ static_nginx, no target: {low:.3g}–{high:.3g})")
    report["seconds"] = round(time.perf_counter() - started)
    report["machine"]["load_average_after"] = os.getloadavg()
    complete = parts >= {"build", "serving", "steps", "scale"} and not args.quick
    # Only a complete run replaces the recorded figures; partial or quick runs go to build/bench/.
    target = RESULTS if complete else OUT / f"results-{'-'.join(sorted(parts))}{'-quick' if args.quick else ''}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    log(f"\nwrote {target.relative_to(ROOT)} in {report['seconds']}s")
    if complete:
        from bench import report as markdown

        markdown.update()
        log("updated the latest figures in BENCHMARKS.md")


if __name__ == "__main__":
    main()
