"""Whole-table downloads made at build time, beside the database (build/downloads/):

    <table>.csv      UTF-8 with a byte-order mark (Excel on Windows reads Vietnamese right), codes as printed
    <table>.xlsx     Vietnamese column labels, foreign keys as names with the code beside, a "Nguồn · Source" sheet
    <table>.json     a JSON array of row objects, values exactly as stored
    <table>.jsonl    JSON Lines, one row object a line
    <table>.geojson  only for tables with latitude and longitude
    datapackage.json a Frictionless Tabular Data Package: one tabular resource per table (its CSV, with field types
                     so that codes stay text in pandas, R and Frictionless tools, primary and foreign keys, licence,
                     sources) and the other files as plain resources, each with bytes and SHA-256
    manifest.json    every file with its bytes and SHA-256, the row counts, the build time and the database's hash

Why at build time: the whole table is the same for every request until the next build, so it is written once,
checked once (tests read it back) and served as a file with an ETag (plugins/downloads.py) rather than re-made
per request. The build writes them into downloads.new and swaps them in with the database (scripts/load/build.py): a
failed build leaves the previous database and the previous files.
"""
import hashlib
import json
import sqlite3
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path

from scripts import spec
from scripts.project import DATABASE_NAME, catalog_entry, catalog_metadata, catalog_section, metadata
from scripts.publish.tabular import (ISO_DATE, MEDIA_TYPES, has_coordinates, is_date_column, media_type,
                                     text_writer, write_xlsx)

DIRECTORY = "downloads"
URL_PREFIX = f"/-/{DIRECTORY}/"  # where the portal serves them (plugins/downloads.py)
BATCH = 1000
FIELD_TYPES = {"TEXT": "string", "INTEGER": "integer", "REAL": "number", "FLOAT": "number", "NUMERIC": "number"}
FORMATS = list(MEDIA_TYPES)  # every format tabular.py writes, in the order of the download links
FORMAT_LABELS = {"csv": "CSV (Excel)", "xlsx": "Excel .xlsx", "json": "JSON", "jsonl": "JSON Lines", "geojson": "GeoJSON"}
CSV_NOTE = ("CSV cho bảng tính: văn bản bắt đầu bằng = + - @ hay tab được thêm dấu ' ở đầu để không thành công thức "
            "(OWASP); JSON, JSON Lines và tệp SQLite giữ nguyên giá trị. · CSV for spreadsheets: text beginning with "
            "= + - @ or a tab carries a leading ' so it never runs as a formula (OWASP CSV injection); the JSON, JSON "
            "Lines and SQLite files carry the values exactly as stored.")


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def hidden_tables(conn, meta):
    """The tables Datasette hides: FTS indexes and their shadow tables, SQLite's statistics, and any table
    metadata.yml marks hidden."""
    names = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")]
    fts = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table' and rootpage = 0"
                                      " and sql like '%VIRTUAL TABLE%USING FTS%'")]
    tables_meta = catalog_section("tables", meta)
    hidden = {n for n in names if n.startswith("sqlite_") or any(n.startswith(f) for f in fts)}
    hidden |= {t for t, m in tables_meta.items() if (m or {}).get("hidden")}
    return hidden


def visible_tables(conn, meta):
    """Visible tables in the order of metadata.yml, then any others by name."""
    names = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table' order by name")]
    hidden = hidden_tables(conn, meta)
    ordered = list(catalog_section("tables", meta))
    return [t for t in ordered if t in names and t not in hidden] + \
           [t for t in names if t not in hidden and t not in ordered]


def columns_of(conn, table):
    return [(r[1], (r[2] or "").upper()) for r in conn.execute(f"pragma table_info([{table}])")]


def primary_keys(conn, table):
    return [r[1] for r in sorted(conn.execute(f"pragma table_info([{table}])"), key=lambda r: r[5]) if r[5]]


def label_column(conn, table, meta):
    """The column naming a row of `table`, as Datasette chooses it: metadata's label_column, else a column called
    name or title, else the one other column of a two-column table."""
    explicit = catalog_entry("tables", table, meta).get("label_column")
    if explicit:
        return explicit
    names = [c for c, _ in columns_of(conn, table)]
    for name in names:
        if name.lower() in ("name", "title"):
            return name
    pks = primary_keys(conn, table)
    if len(names) == 2 and len(pks) == 1:
        return next(n for n in names if n != pks[0])
    return None


def foreign_keys(conn, table):
    """{column: (other table, other column)} for single-column foreign keys."""
    keys = {}
    for row in conn.execute(f"pragma foreign_key_list([{table}])"):
        keys[row[3]] = (row[2], row[4])
    return keys


def row_batches(conn, table, columns, labels):
    """Rows as dicts in primary-key order, labelled foreign keys as {"value", "label"}, BATCH at a time."""
    pks = primary_keys(conn, table)
    select = [f"t.[{c}]" for c in columns]
    joins = []
    for i, (column, (other, other_column, label)) in enumerate(labels.items()):
        select.append(f"l{i}.[{label}]")
        joins.append(f"left join [{other}] l{i} on l{i}.[{other_column}] = t.[{column}]")
    order = ", ".join(f"t.[{c}]" for c in pks) if pks else "t.rowid"
    cursor = conn.execute(f"select {', '.join(select)} from [{table}] t {' '.join(joins)} order by {order}")
    labelled = list(labels)
    while True:
        fetched = cursor.fetchmany(BATCH)
        if not fetched:
            return
        batch = []
        for values in fetched:
            row = dict(zip(columns, values))
            for i, column in enumerate(labelled):
                if row[column] is not None:
                    row[column] = {"value": row[column], "label": values[len(columns) + i]}
            batch.append(row)
        yield batch


def field_type(conn, table, column, sqlite_type):
    kind = FIELD_TYPES.get(sqlite_type, "string")
    if kind == "string" and is_date_column(column):
        values = [r[0] for r in conn.execute(f"select distinct [{column}] from [{table}] where [{column}] is not null")]
        if values and all(isinstance(v, str) and ISO_DATE.fullmatch(v) for v in values):
            return "date"
    return kind


def table_or_query_meta(meta, name):
    """The metadata of a table, else of a canned query (a download's Source sheet names either), else {}."""
    return catalog_entry("tables", name, meta) or catalog_entry("queries", name, meta)


def table_sources(meta, table):
    table_meta = table_or_query_meta(meta, table)
    source = table_meta.get("source") or meta.get("source")
    url = table_meta.get("source_url") or meta.get("source_url")
    return [{"title": source, **({"path": url} if url else {})}] if source else []


def table_licence(meta, table):
    table_meta = table_or_query_meta(meta, table)
    name = table_meta.get("license") or catalog_metadata(meta).get("license") or meta.get("license")
    url = table_meta.get("license_url") or catalog_metadata(meta).get("license_url") or meta.get("license_url")
    return {"name": name, "path": url}


def documents_cited(conn, table, columns):
    """(id, symbol, title) of the documents the table's rows cite, for the Source sheet."""
    if "document_id" not in columns:
        return []
    return list(conn.execute(f"select d.id, d.symbol, d.title from documents d where d.id in "
                             f"(select distinct document_id from [{table}]) order by d.id"))


def provenance_rows(meta, name, documents):
    """The rows of an XLSX Source sheet that say where the data comes from — licence, sources, each document cited
    ((id, symbol, title)) — for the build's files and the portal's downloads (plugins/exports.py) alike."""
    licence = table_licence(meta, name)
    rows = [("Giấy phép · Licence", f"{licence['name']} — {licence['path']}")]
    for source in table_sources(meta, name):
        rows.append(("Nguồn · Source", " — ".join(v for v in (source["title"], source.get("path")) if v)))
    for doc_id, symbol, doc_title in documents:
        rows.append(("Văn bản · Document", f"{symbol or doc_id}: {doc_title or ''} ({doc_id})"))
    return rows


def source_rows(meta, table, title, url, built, documents):
    return [("Bảng · Table", f"{title} ({table})"), ("Địa chỉ · URL", url),
            *provenance_rows(meta, table, documents), ("Ngày dựng · Built", built),
            ("Ghi chú · Note", "Mọi bảng, CSV/JSON và tệp SQLite: " + meta.get("title", ""))]


def write_table(conn, meta, table, directory, base_url, built):
    """Write the table's files; returns (row count, {format: file name}). The rows are read once, in batches, and
    each batch goes to every file: the text files (CSV, JSON, JSON Lines, GeoJSON) write its codes, the XLSX file
    the names behind its foreign keys as well."""
    typed = columns_of(conn, table)
    columns = [c for c, _ in typed]
    labels = {}
    for column, (other, other_column) in foreign_keys(conn, table).items():
        label = label_column(conn, other, meta)
        if label and label != other_column:
            labels[column] = (other, other_column, label)
    title = str(catalog_entry("tables", table, meta).get("title", table))
    texts = {"csv": text_writer("csv", columns, bom=True), "json": text_writer("json", columns),
             "jsonl": text_writer("jsonl", columns)}
    if has_coordinates(columns):
        texts["geojson"] = text_writer("geojson", columns)
    files = {fmt: f"{table}.{fmt}" for fmt in [*texts, "xlsx"]}
    with ExitStack() as stack:
        outs = {fmt: stack.enter_context(open(directory / files[fmt], "w", encoding="utf-8", newline=""))
                for fmt in texts}
        for fmt, writer in texts.items():
            outs[fmt].write(writer.start())

        def every_batch():  # write_xlsx reads every batch: each is written to the text files on its way there
            for batch in row_batches(conn, table, columns, labels):
                for fmt, writer in texts.items():
                    outs[fmt].write(writer.rows(batch))
                yield batch

        with open(directory / files["xlsx"], "wb") as f:
            count = write_xlsx(f, columns, every_batch(), labelled=set(labels),
                               label_for=lambda c: spec.column_label(table, c), sheet_title=table,
                               source_rows=source_rows(meta, table, title, f"{base_url}/{DATABASE_NAME}/{table}",
                                                       built, documents_cited(conn, table, columns)))
        for fmt, writer in texts.items():
            outs[fmt].write(writer.end())
    return count, files


def tabular_resource(conn, meta, table, count, file_info):
    table_meta = catalog_entry("tables", table, meta)
    fields = []
    for column, sqlite_type in columns_of(conn, table):
        fields.append({"name": column, "type": field_type(conn, table, column, sqlite_type),
                       "title": spec.column_label(table, column),
                       "description": spec.column_description(table, column, None)})
    schema = {"fields": fields}
    pks = primary_keys(conn, table)
    if pks:
        schema["primaryKey"] = pks
    fks = [{"fields": column, "reference": {"resource": other, "fields": other_column}}
           for column, (other, other_column) in foreign_keys(conn, table).items()]
    if fks:
        schema["foreignKeys"] = fks
    return {"name": table, "path": file_info["path"], "profile": "tabular-data-resource", "format": "csv",
            "mediatype": media_type("csv"), "encoding": "utf-8", "bytes": file_info["bytes"],
            "hash": f"sha256:{file_info['sha256']}", "title": str(table_meta.get("title", table)),
            "description": f"{table_meta.get('description', '')} {CSV_NOTE}".strip(), "rows": count,
            "licenses": [table_licence(meta, table)], "sources": table_sources(meta, table), "schema": schema}


def write_dumps(db_path, directory, base_url="", meta=None):
    """Write every visible table's files and datapackage.json/manifest.json into `directory` (created)."""
    meta = meta or metadata()
    directory = Path(directory)
    directory.mkdir(parents=True)
    built = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        tables, counts, made = visible_tables(conn, meta), {}, {}
        for table in tables:
            counts[table], made[table] = write_table(conn, meta, table, directory, base_url, built)
        files = {}
        for table in tables:
            for fmt, name in made[table].items():
                path = directory / name
                files[name] = {"table": table, "format": fmt, "bytes": path.stat().st_size, "sha256": sha256(path),
                               "mediatype": media_type(fmt)}
        resources = []
        for table in tables:
            csv_name = made[table]["csv"]
            resources.append(tabular_resource(conn, meta, table, counts[table], {"path": csv_name, **files[csv_name]}))
            for fmt, name in made[table].items():
                if fmt != "csv":
                    resources.append({"name": f"{table}-{fmt}", "path": name, "format": fmt,
                                      "mediatype": files[name]["mediatype"], "bytes": files[name]["bytes"],
                                      "hash": f"sha256:{files[name]['sha256']}",
                                      "title": f"{table} ({fmt})", "licenses": [table_licence(meta, table)]})
    finally:
        conn.close()
    package = {
        "profile": "tabular-data-package", "name": "chuyen-doi-so-dong-thap-an-giang-2025",
        "title": meta.get("title"), "created": built, "homepage": base_url + "/" if base_url else None,
        "licenses": [{"name": "CC-BY-4.0", "path": meta.get("license_url"), "title": meta.get("license")}],
        "sources": [{"title": meta.get("source"), "path": meta.get("source_url")}],
        "resources": resources,
    }
    package = {k: v for k, v in package.items() if v is not None}
    path = directory / "datapackage.json"
    path.write_text(json.dumps(package, ensure_ascii=False, indent=1), encoding="utf-8")
    files["datapackage.json"] = {"table": None, "format": "json", "bytes": path.stat().st_size, "sha256": sha256(path),
                                 "mediatype": "application/json"}
    manifest = {"built": built, "database_sha256": sha256(db_path), "tables": counts, "files": files}
    (directory / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


_manifests = {}


def read_manifest(db_path):
    """The manifest.json beside the database `db_path` ({} when there is none), re-read when the file changes."""
    path = Path(db_path).parent / DIRECTORY / "manifest.json"
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        return {}
    if _manifests.get(path, (None,))[0] != stamp:
        _manifests[path] = (stamp, json.loads(path.read_text(encoding="utf-8")))
    return _manifests[path][1]


def build_time(db_path):
    """When the catalog at `db_path` was built (UTC, whole seconds): the `built` its manifest records — the time its
    XLSX files' Source sheets, datapackage.json and the downloads' Last-Modified give —, or, for a database without
    downloads beside it, the file's modification time. The one answer for every page, header and file that
    states the build time."""
    built = read_manifest(db_path).get("built")
    if built:
        return datetime.fromisoformat(built)
    return datetime.fromtimestamp(Path(db_path).stat().st_mtime, timezone.utc).replace(microsecond=0)


def table_files(db_path, table):
    """[{format, url, bytes, sha256}] of a table's whole-table files, in the order of FORMATS."""
    files = read_manifest(db_path).get("files", {})
    return [{"format": fmt, "url": URL_PREFIX + f"{table}.{fmt}", "bytes": files[f"{table}.{fmt}"]["bytes"],
             "sha256": files[f"{table}.{fmt}"]["sha256"]} for fmt in FORMATS if f"{table}.{fmt}" in files]
