"""Downloads of a whole result: a table, a filtered or sorted view of it, a canned query or a SQL query, as

    .csv      (`_bom=1` adds a UTF-8 byte-order mark for Excel on Windows; `_labels=on` adds `<fk>_label` columns)
    .xlsx     Vietnamese column labels, foreign keys as names with the code beside, a "Nguồn · Source" sheet
    .geojson  only where the result has latitude and longitude; elsewhere 400 with a message
    .jsonl    JSON Lines, one row object a line
    .json?_stream=on   a JSON array of every row object (with `_nl=on`: JSON Lines)

Why our own code: Datasette 0.65's CSV stops at `max_returned_rows` for queries and at the page for tables unless
`_stream=on` is given (the first `_size` of a link wins: the table page's CSV link gave 25 rows), its output
renderers (.xlsx, .geojson) only ever see one page, and its CSV writes formulas as they are (OWASP CSV
injection). Here the rows come from Datasette's own JSON through `datasette.client` — same filters, search,
sort and permissions as the page — page after page with `_next` (sorted paging is exact: sort_tiebreak in scripts/serve/internals.py)
and are written by scripts/publish/tabular.py, the same writers as the build's whole-table files. CSV, JSON and GeoJSON
stream as they are fetched; XLSX is assembled in memory, up to XLSX_MAX_ROWS rows. A query result that
`max_returned_rows` would cut is refused with a 400 that says so: a download is never silently short.

What bounds a download (there is no byte bound, and settings.json no longer sets Datasette's `max_csv_mb`: that
setting bounds only Datasette's own CSV writer, which no .csv URL of the portal reaches any more — this module
answers them all —, and a byte bound met while streaming could only cut the file after its 200 was sent, the
silent truncation issue 12 forbids): rows are counted before the first byte is sent and a result over
EXPORT_MAX_ROWS (tables; a table whose rows cannot be counted within the time limit is refused too) or over
`max_returned_rows` (queries) is refused with a 400 that says so; each value is at most 64 kB and a query at most
100 columns (plugins/query_limits.py); ad-hoc SQL runs in the SQL lane under its memory bound
(scripts/serve/lane.py). The database is immutable, so a table's export is never larger than the table.
Anything else (the paged JSON API, rows, HTML) passes through to Datasette untouched.
"""
import io
import re
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl

from scripts import spec
from scripts.project import DATABASE_NAME, catalog_entry, catalog_section
from scripts.publish.dumps import build_time, provenance_rows
from scripts.publish.tabular import MEDIA_TYPES, has_coordinates, text_writer, write_xlsx
from scripts.serve import errors
from scripts.serve.i18n import query_column_label
from scripts.serve.params import result_params
from scripts.serve.portal import DATABASE_ROUTE, TABLE_ROUTE

# A table's formats that are always a whole-result download; .json only with _stream=on (else Datasette's paged API).
WHOLE_FORMATS = set(MEDIA_TYPES) - {"json"}
XLSX_MAX_ROWS = 50_000
# A bound on one request's work (every request is hostile): a larger result is refused with a 400 that says so,
# never cut. The catalog's largest table has 733 rows.
EXPORT_MAX_ROWS = 500_000
DATABASE_EXPORT = re.compile(rf"^{DATABASE_ROUTE}\.(?P<format>{'|'.join(MEDIA_TYPES)})$")


class ExportError(Exception):
    """A download refused: `parts` is a (Vietnamese, English) pair, or the message of Datasette's own answer."""

    def __init__(self, status, parts):
        super().__init__(errors.message(parts))
        self.status, self.parts = status, parts


async def fetch_json(datasette, path, params):
    response = await datasette.client.get(path + "?" + urlencode(params))
    if response.status_code != 200:
        try:
            message = response.json().get("error") or response.text[:500]
        except ValueError:
            message = response.text[:500]
        raise ExportError(response.status_code if response.status_code < 500 else 500, message)
    return response.json()


class TableRows:
    """Every row of a table view, fetched page by page from Datasette's JSON."""

    def __init__(self, datasette, json_path, params, labels):
        self.datasette, self.json_path = datasette, json_path
        self.params = params + [("_shape", "objects"), ("_size", "max"), ("_nofacet", "1")] + (
            [("_labels", "on")] if labels else [])
        self.first = None

    async def start(self):
        self.first = await fetch_json(self.datasette, self.json_path, self.params)
        self.columns = self.first["columns"]
        self.total = self.first.get("filtered_table_rows_count")
        self.labelled = set(self.first.get("expanded_columns") or [])
        return self

    async def batches(self):
        page = self.first
        while True:
            yield page["rows"]
            if not page.get("next"):
                return
            page = await fetch_json(self.datasette, self.json_path,
                                    self.params + [("_next", page["next"]), ("_nocount", "1")])


class QueryRows:
    """The rows of a canned or SQL query: one fetch; a result max_returned_rows would cut is refused."""

    def __init__(self, datasette, json_path, params):
        self.datasette, self.json_path = datasette, json_path
        self.params = params + [("_shape", "objects")]
        self.labelled = set()

    async def start(self):
        data = await fetch_json(self.datasette, self.json_path, self.params)
        if data.get("truncated"):
            limit = self.datasette.setting("max_returned_rows")
            raise ExportError(400, (f"Kết quả có hơn {limit} dòng, quá giới hạn của một truy vấn; hãy tải toàn bộ "
                                    f"bảng (/-/downloads/) hoặc tệp SQLite.", f"The result has more than {limit} rows, "
                                    f"the limit of one query: download the whole tables (/-/downloads/) or the "
                                    f"SQLite file."))
        self.rows, self.columns, self.total = data["rows"], data["columns"], len(data["rows"])
        return self

    async def batches(self):
        yield self.rows


async def documents_cited(datasette, rows):
    ids = sorted({str(r["document_id"]["value"] if isinstance(r.get("document_id"), dict) else r.get("document_id"))
                  for r in rows if r.get("document_id") is not None})
    if not ids:
        return []
    db = datasette.get_database(DATABASE_NAME)
    marks = ", ".join(f":p{i}" for i in range(len(ids)))
    result = await db.execute(f"select id, symbol, title from documents where id in ({marks}) order by id",
                              {f"p{i}": v for i, v in enumerate(ids)})
    return [tuple(r) for r in result.rows]


async def source_rows(datasette, name, title, view, rows):
    """The XLSX Source sheet of a download: what it is, where it comes from (as the build's files say it), when the
    catalog was built and how many rows it holds."""
    return [("Bảng / truy vấn · Table / query", f"{title} ({name})"), ("Địa chỉ · URL", view),
            *provenance_rows(datasette.metadata(), name, await documents_cited(datasette, rows)),
            ("Ngày dựng · Built", build_time(datasette.get_database(DATABASE_NAME).path).isoformat()),
            ("Số dòng · Rows", str(len(rows)))]


def chunked(fmt, source, bom, nl):
    """An async generator of bytes for the streaming formats, written by the build's writers (scripts/publish/tabular.py
    text_writer) as the batches are fetched."""

    async def generate():
        kind = "jsonl" if fmt == "json" and nl else fmt
        writer = text_writer(kind, source.columns, source.labelled if fmt == "csv" else set(), bom=bom)
        text = writer.start()
        if text:
            yield text.encode("utf-8")
        async for batch in source.batches():
            text = writer.rows(batch)
            if text:
                yield text.encode("utf-8")
        text = writer.end()
        if text:
            yield text.encode("utf-8")

    return generate()


def xlsx_label_for(datasette, kind, name):
    """The XLSX header words: a table's column titles from its spec; a canned query's the labels its page shows
    (scripts/serve/i18n.py query_column_label); an ad-hoc SQL query's its own column names."""
    if kind == "table":
        return lambda c: spec.column_label(name, c)
    if name in catalog_section("queries", datasette.metadata()):
        return lambda c: query_column_label(name, c)
    return str


async def export(datasette, scope, send, kind, name, fmt, json_path):
    query = scope.get("query_string", b"").decode("latin-1")
    pairs = parse_qsl(query, keep_blank_values=True)
    raw, params = dict(pairs), result_params(pairs)  # params: what names the result, fetched row by row
    try:
        if kind == "table":
            source = await TableRows(datasette, json_path, params,
                                     labels=fmt == "xlsx" or (fmt == "csv" and raw.get("_labels") == "on")).start()
        else:
            source = await QueryRows(datasette, json_path, params).start()
        if fmt == "geojson" and not has_coordinates(source.columns):
            raise ExportError(400, ("GeoJSON chỉ có cho kết quả có cột latitude và longitude.",
                                    "GeoJSON is only available for results with latitude and longitude columns."))
        if kind == "table" and source.total is None:
            raise ExportError(400, ("Không đếm được số dòng của kết quả trong thời gian cho phép nên không tải được: "
                                    "hãy lọc bớt hoặc tải tệp SQLite.", "The result's rows could not be counted within "
                                    "the time limit, so it cannot be downloaded whole: filter further or download the "
                                    "SQLite file."))
        if (source.total or 0) > EXPORT_MAX_ROWS:
            raise ExportError(400, (f"Kết quả có {source.total} dòng, quá {EXPORT_MAX_ROWS} dòng cho một lần tải: "
                                    f"hãy lọc bớt hoặc tải tệp SQLite.", f"{source.total} rows is more than "
                                    f"{EXPORT_MAX_ROWS} for one download: filter further or download the SQLite file."))
        if fmt == "xlsx" and (source.total or 0) > XLSX_MAX_ROWS:
            raise ExportError(400, (f"Kết quả có {source.total} dòng, quá {XLSX_MAX_ROWS} dòng cho Excel: hãy tải CSV.",
                                    f"{source.total} rows is more than {XLSX_MAX_ROWS} for Excel: download the CSV."))
    except ExportError as e:
        return await errors.answer(send, e.status, e.parts)
    filename = f"{name}.{'jsonl' if fmt == 'json' and raw.get('_nl') == 'on' else fmt}"
    media = MEDIA_TYPES["jsonl"] if fmt == "json" and raw.get("_nl") == "on" else MEDIA_TYPES[fmt]
    headers = [(b"content-type", media.encode()),
               (b"content-disposition", f'attachment; filename="{filename}"'.encode())]
    if fmt == "xlsx":
        rows = [row async for batch in source.batches() for row in batch]
        section = "tables" if kind == "table" else "queries"
        title = str(catalog_entry(section, name, datasette.metadata()).get("title", name))
        view = scope.get("path", "") + ("?" + query if query else "")
        out = io.BytesIO()
        write_xlsx(out, source.columns, [rows], labelled=source.labelled,
                   label_for=xlsx_label_for(datasette, kind, name),
                   sheet_title=name, source_rows=await source_rows(datasette, name, title, view, rows))
        body = out.getvalue()
        await send({"type": "http.response.start", "status": 200,
                    "headers": headers + [(b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
        return
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    async for chunk in chunked(fmt, source, bom=raw.get("_bom") == "1", nl=raw.get("_nl") == "on"):
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


async def classify(datasette, path, query):
    """(kind, name, format, json path) when the request is a whole-result download, else None."""
    streamed = "_stream=on" in query.split("&")
    match = DATABASE_EXPORT.match(path)
    if match:
        fmt = match["format"]
        if "sql=" not in query or (fmt == "json" and not streamed):
            return None
        return "query", DATABASE_NAME, fmt, path.rsplit(".", 1)[0] + ".json"
    match = TABLE_ROUTE.match(path)
    if not match or match["pk"] is not None or not match["format"]:
        return None
    fmt = match["format"]
    if not (fmt in WHOLE_FORMATS or (fmt == "json" and streamed)):
        return None
    from datasette.utils import tilde_decode

    name = tilde_decode(match["table"])
    json_path = path.rsplit(".", 1)[0] + ".json"
    if name in catalog_section("queries", datasette.metadata()):
        return "query", name, fmt, json_path
    if await datasette.get_database(DATABASE_NAME).table_exists(name):
        return "table", name, fmt, json_path
    return None


# Innermost (applied first): the answers given here get the security and CORS headers and, in the deployment,
# the hashed-URL redirects of the wrappers around it.
@hookimpl(tryfirst=True)
def asgi_wrapper(datasette):
    def wrap(app):
        async def whole_exports(scope, receive, send):
            if scope["type"] == "http" and scope.get("method") in ("GET", "HEAD"):
                found = await classify(datasette, scope.get("path", ""), scope.get("query_string", b"").decode("latin-1"))
                if found:
                    return await export(datasette, scope, send, *found)
            return await app(scope, receive, send)

        return whole_exports

    return wrap
