"""The download links of table and query pages (templates/_exports.html), each saying what it gives:

- "Tải toàn bộ · whole table": the build's whole-table files (/-/downloads/, scripts/publish/dumps.py), with their size.
- "Tải kết quả này · this result": the whole filtered/sorted view or query result in every format that makes
  sense (GeoJSON only where the result has coordinates), made by plugins/exports.py.
- "JSON (trang này · this page)": one page of Datasette's JSON API, which carries `next` for the page after.

Each link carries data-export (whole / result / page) and, where the page knows it, data-rows (the number of
rows it names), so tests can check that the file holds all of them. Replaces Datasette's "This data as …" links,
whose CSV kept the page's `_size` and whose JSON gave one page without saying so.
"""
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl

from scripts.project import DATABASE_NAME
from scripts.publish.dumps import FORMAT_LABELS as LABELS, URL_PREFIX, read_manifest
from scripts.publish.tabular import has_coordinates
from scripts.serve import i18n
from scripts.serve.params import missing_parameters, query_parameters, result_params
from scripts.serve.whole_files import whole_files


def result_links(base, params, columns, kind):
    query = urlencode(params)
    join = (lambda extra: "?" + "&".join(p for p in (query, extra) if p))
    links = [("csv", base + ".csv" + join("_bom=1" + ("&_labels=on" if kind == "table" else ""))),
             ("xlsx", base + ".xlsx" + join("")),
             ("json", base + ".json" + join("_shape=array&_stream=on")),
             ("jsonl", base + ".jsonl" + join(""))]
    if has_coordinates(columns):
        links.append(("geojson", base + ".geojson" + join("")))
    return [{"format": fmt, "label": LABELS[fmt], "url": url} for fmt, url in links]


@hookimpl
def extra_template_vars(template, database, table, columns, request, datasette):
    if template not in ("table.html", "query.html") or database != DATABASE_NAME or request is None:
        return {}
    lang = i18n.language(request)
    pairs = parse_qsl(request.query_string, keep_blank_values=True)
    params = result_params(pairs)
    base = request.path
    db_path = datasette.get_database(DATABASE_NAME).path
    out = {"datapackage": URL_PREFIX + "datapackage.json"}
    if template == "table.html":
        out["whole"] = whole_files(db_path, table, lang)
        out["whole_rows"] = read_manifest(db_path).get("tables", {}).get(table)
        out["result"] = result_links(base, params, columns or [], "table") if params else []
        page = [(k, v) for k, v in pairs if k not in ("_stream", "_nl", "_labels", "_bom", "_dl")]
        out["page"] = base + ".json" + ("?" + urlencode(page) if page else "")
    else:
        out["whole"], out["page"] = [], None
        # A canned query's page, or the SQL page (/catalog?sql=…, exported as /catalog.csv?sql=…). Until its
        # required parameters are filled in, a canned query's downloads would be a 400: the page says what to fill.
        from datasette.utils import tilde_decode

        canned = tilde_decode(base.rstrip("/").rsplit("/", 1)[-1])
        declared = query_parameters(datasette, canned) or {}
        # Each as its input's label on the page (scripts/serve/i18n.yml `queries`), with its name.
        out["missing"] = [{"name": name, "label": i18n.query_param(canned, name, lang)[0]}
                          for name in missing_parameters(declared, dict(pairs))]
        out["result"] = [] if out["missing"] else result_links(base, params, columns or [], "query")
    return {"catalog_exports": out}
