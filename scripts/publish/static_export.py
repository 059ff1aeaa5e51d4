"""A static copy of the catalog that any static host (object storage, GitHub Pages, a CDN) can serve without
Python: `make static` → build/static/.

    python -m scripts.publish.static_export [--db build/catalog.db] [--out build/static] [--base-url https://…]

Layout (the paths of the live portal, so the links of the DCAT catalog resolve on a static host too):
    index.html                  the tables, their row counts and files
    catalog.db                  the SQLite database itself
    catalog/<table>.json        every row, as the live `<table>.json?_shape=array` (a list of objects): the build's
                                whole-table JSON (build/downloads/<table>.json), copied
    catalog/<table>.csv         every row, UTF-8 CSV with a header (as the live `<table>.csv?_size=max`)
    -/downloads/…               the build's whole-table files (CSV, XLSX, JSON, JSON Lines, GeoJSON, datapackage.json)
    -/dcat.jsonld               the DCAT-AP catalog (scripts.publish.dcat.build_catalog), its distributions those files
    -/openapi.json              the description of the live JSON API (scripts.publish.openapi.build_openapi)
    manifest.json               each file with its bytes and SHA-256, each table with its row count
A static host ignores query strings, so `…/plan_tasks.json?_shape=array` (the DCAT download URL) is the
whole-table file. Filtering, search and paging need the live portal. Without --base-url the catalog's and the
API description's URLs are root-relative ("/catalog/wards"), which resolve on whatever host serves the copy.
"""
import argparse
import csv
import html
import json
import shutil
import sqlite3
import sys
from pathlib import Path

from scripts.project import DATABASE as DEFAULT_DB
from scripts.project import DATABASE_NAME as DATABASE
from scripts.project import ROOT, catalog_section, metadata
from scripts.publish.dumps import DIRECTORY as DOWNLOADS
from scripts.publish.dumps import build_time, primary_keys, sha256, table_files, visible_tables

DEFAULT_OUT = ROOT / "build" / "static"


def table_columns(conn, table):
    return [(r[1], r[2] or "") for r in conn.execute(f"pragma table_info([{table}])")]


def has_fts(conn, table):
    return conn.execute("select count(*) from sqlite_master where name = ? and sql like '%USING FTS%'",
                        [f"{table}_fts"]).fetchone()[0] > 0


def provinces(conn):
    """{code: name} of the provinces the catalog covers (its spatial coverage in DCAT)."""
    return dict(conn.execute("select code, name from provinces order by code"))


def order_by(conn, table):
    pks = primary_keys(conn, table)
    return ", ".join(f"[{c}]" for c in pks) if pks else "rowid"


def write_csv(conn, table, directory: Path):
    """catalog/<table>.csv (the values as stored: no byte-order mark, no formula guard, unlike the build's CSV for
    spreadsheets); returns the number of rows written."""
    columns = [c for c, _ in table_columns(conn, table)]
    cursor = conn.execute(f"select {', '.join(f'[{c}]' for c in columns)} from [{table}] order by {order_by(conn, table)}")
    count = 0
    with open(directory / f"{table}.csv", "w", encoding="utf-8", newline="") as c:
        writer = csv.writer(c)
        writer.writerow(columns)
        for row in cursor:
            writer.writerow(["" if v is None else v for v in row])
            count += 1
    return count


def openapi_document(conn, meta, tables, base):
    from scripts.publish.openapi import build_openapi

    schema = {t: (table_columns(conn, t), primary_keys(conn, t), has_fts(conn, t),
                  [r[3] for r in conn.execute(f"pragma foreign_key_list([{t}])")]) for t in tables}
    return build_openapi(meta, schema, base)


def index_page(meta, tables, counts):
    tables_meta = catalog_section("tables", meta)
    items = "\n".join(
        f'<li><strong>{html.escape(str((tables_meta.get(t) or {}).get("title", t)))}</strong> '
        f'({counts[t]} dòng · rows): <a href="{DATABASE}/{t}.json">JSON</a> · <a href="{DATABASE}/{t}.csv">CSV</a></li>'
        for t in tables)
    return (f"<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\"><title>{html.escape(meta['title'])}"
            f"</title></head>\n<body><h1>{html.escape(meta['title'])}</h1>\n"
            f"<p>Bản tĩnh của danh mục: mỗi bảng một tệp JSON và một tệp CSV · a static copy of the catalog. "
            f"<a href=\"{DATABASE}.db\">{DATABASE}.db</a> (SQLite) · <a href=\"-/dcat.jsonld\">DCAT-AP</a> · "
            f"<a href=\"-/openapi.json\">OpenAPI</a> · <a href=\"manifest.json\">manifest.json</a></p>\n"
            f"<ul>\n{items}\n</ul>\n<p>{html.escape(meta.get('license', ''))}</p></body></html>\n")


def export(db=DEFAULT_DB, out=DEFAULT_OUT, base_url="", meta=None):
    """Write the static copy of `db` into `out` (replacing it); returns the manifest."""
    from scripts.publish.dcat import build_catalog

    db, out = Path(db), Path(out)
    meta = meta or metadata()
    downloads = db.parent / DOWNLOADS
    if not downloads.is_dir():
        raise FileNotFoundError(f"{downloads} does not exist: the build writes it beside the database (make build)")
    tmp = out.with_name(out.name + ".new")
    if tmp.exists():
        shutil.rmtree(tmp)
    (tmp / DATABASE).mkdir(parents=True)
    (tmp / "-").mkdir()
    shutil.copytree(downloads, tmp / "-" / DOWNLOADS)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = visible_tables(conn, meta)
        counts = {t: write_csv(conn, t, tmp / DATABASE) for t in tables}
        for t in tables:  # the build's whole-table JSON is the live <table>.json?_shape=array, byte for byte
            shutil.copyfile(downloads / f"{t}.json", tmp / DATABASE / f"{t}.json")
        modified = build_time(db).date().isoformat()
        base = base_url.rstrip("/")
        files = {t: table_files(db, t) for t in tables}
        (tmp / "-" / "dcat.jsonld").write_text(
            json.dumps(build_catalog(meta, counts, base, modified, provinces(conn), files), ensure_ascii=False,
                       indent=1),
            encoding="utf-8")
        (tmp / "-" / "openapi.json").write_text(
            json.dumps(openapi_document(conn, meta, tables, base), ensure_ascii=False, indent=1), encoding="utf-8")
    finally:
        conn.close()
    shutil.copyfile(db, tmp / f"{DATABASE}.db")
    (tmp / "index.html").write_text(index_page(meta, tables, counts), encoding="utf-8")
    files = {str(p.relative_to(tmp)): {"bytes": p.stat().st_size, "sha256": sha256(p)}
             for p in sorted(tmp.rglob("*")) if p.is_file()}
    manifest = {"database": DATABASE, "source": str(db.name), "database_sha256": files[f"{DATABASE}.db"]["sha256"],
                "modified": modified, "base_url": base, "tables": counts, "files": files}
    (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    return manifest


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--base-url", default="", help="public URL the copy is served at (default: root-relative)")
    args = parser.parse_args(argv)
    if not args.db.exists():
        print(f"{args.db} does not exist: run `make build` first", file=sys.stderr)
        return 1
    try:
        manifest = export(args.db, args.out, args.base_url)
    except FileNotFoundError as e:
        print(e, file=sys.stderr)
        return 1
    size = sum(f["bytes"] for f in manifest["files"].values())
    print(f"wrote {args.out}: {len(manifest['tables'])} tables, {sum(manifest['tables'].values())} rows, "
          f"{len(manifest['files'])} files, {size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
