"""OpenAPI 3.1 description of the portal's JSON API, generated from the metadata (metadata.yml and the table
specs of sources/tables/) and the database schema: one path per table, per row, per canned query, plus the
ranked search. A row's properties carry each column's label and description from its spec. Served at
/-/openapi.json."""

from scripts import spec
from scripts.project import DATABASE_NAME as DATABASE
from scripts.project import catalog_section
from scripts.publish.tabular import MEDIA_TYPES, media_type

SQL_TYPES = {"TEXT": {"type": ["string", "null"]}, "INTEGER": {"type": ["integer", "null"]},
             "FLOAT": {"type": ["number", "null"]}, "REAL": {"type": ["number", "null"]}}
ERROR = {"description": "Bad request: the error message says what is wrong",
         "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def query_param(name, description, schema=None):
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


TABLE_PARAMS = [
    query_param("_shape", "Response shape; `array` gives a plain list of row objects, `objects` rows as objects "
                "with paging and facets", {"type": "string", "enum": ["array", "objects", "arrays", "object"]}),
    query_param("_size", "Rows per page (up to max_returned_rows), or `max`", {"type": "string", "pattern": "^([0-9]+|max)$"}),
    query_param("_next", "Opaque token from `next` of the previous page"),
    query_param("_sort", "Sort ascending by this column"),
    query_param("_sort_desc", "Sort descending by this column"),
    query_param("_facet", "Count rows by this column (repeatable). Facet counts are computed only when a `_facet…` "
                "parameter is given; the table's default facets then come too"),
    query_param("_nl", "With _shape=array: one JSON object per line", {"type": "string", "enum": ["on"]}),
    query_param("_col", "Only these columns (repeatable)"),
]


LABELLED = {"type": "object", "required": ["value", "label"],
            "description": "With _labels=on: a foreign key as its code and the label of the row it points to",
            "properties": {"value": {}, "label": {"type": ["string", "number", "null"]}}}
REDIRECT = {"description": "In the deployment (scripts/serve/asgi.py) a /catalog/… URL answers 302 to the same URL under "
                           "the content-hashed /catalog-<7 hex>/… route; follow the Location header",
            "headers": {"Location": {"description": "The URL under the current content hash",
                                     "schema": {"type": "string"}}}}
NOT_FOUND = {**ERROR, "description": "No such table, query or row"}
SEARCH_DESCRIPTION = (
    "One ranked list: curated answers (projects, tasks, indicators, agencies, decisions, wards and former units, "
    "documents, project components) first, then passages of the documents' own text (group `passages`, shown on "
    "the page as \"Trong văn bản gốc\"). A title that is the query comes first. Matching is forgiving, in steps "
    "(`step`): `all` words (stop words such as \"bao nhiêu\", \"ở đâu\", \"của\" are optional), `most` words "
    "(all but one), `prefix` (beginnings of words), `typo` (words found in no title or name replaced by the "
    "nearest word of the catalog's vocabulary; `suggestion` then says what was searched: \"Có phải bạn muốn "
    "tìm: …\"). A word found in no title or name tries `prefix` and `typo` before `most`. `title` and "
    "`snippet` are HTML: text escaped, the matched words in `<mark>`; `context` carries what a reader needs "
    "(province; owner, period and total for a project; lead and deadline for a task; value, unit and year for an "
    "indicator; `now` — \"Nay thuộc\" — with the link to the ward a former unit is part of today), each with a "
    "Vietnamese label, the machine `value` and the Vietnamese `text`.")
CONTEXT_ITEM = {"type": "object", "properties": {
    "field": {"type": "string", "description": "province, owner, period, total_million_vnd, lead, deadline, value, "
                                               "ref_year, inferred_year (a year not printed for the figure), "
                                               "indicator_kind, issued_on, issuer, now, former_district, "
                                               "former_province, type, code, short_name, project, document"},
    "label": {"type": "string", "description": "Vietnamese label"},
    "value": {"description": "Machine value (number, ISO date, code …)"},
    "text": {"type": "string", "description": "The value as shown on the page (Vietnamese formats)"},
    "url": {"type": ["string", "null"], "description": "Link to the row the value names"}}}
SEARCH_RESULT = {"type": "object", "required": ["table", "pk", "url", "title", "snippet", "kind", "context"],
                 "properties": {
                     "table": {"type": "string"},
                     "pk": {"type": "string", "description": "Primary key as in row URLs (tilde-encoded, "
                                                             "comma-separated for compound keys)"},
                     "url": {"type": "string", "description": "Path of the row page; add .json for the row"},
                     "title": {"type": "string", "description": "HTML, matched words in <mark>"},
                     "snippet": {"type": "string", "description": "HTML: the part of the text holding the match"},
                     "snippet_source": {"type": ["string", "null"],
                                        "description": "Column the snippet is cut from (`excerpt`: verbatim, "
                                                       "as printed, OCR errors included)"},
                     "kind": {"type": "string", "description": "Kind of row in Vietnamese (Dự án, Nhiệm vụ …)"},
                     "group": {"type": "string", "enum": ["curated", "passages"]},
                     "context": {"type": "array", "items": CONTEXT_ITEM}}}
SEARCH_SCHEMA = {"type": "object", "properties": {
    "ok": {"type": "boolean"}, "q": {"type": "string"},
    "step": {"type": ["string", "null"], "enum": ["all", "most", "prefix", "typo", None]},
    "terms": {"type": "array", "items": {"type": "string"}, "description": "The words searched, folded"},
    "dropped": {"type": "array", "items": {"type": "string"}, "description": "Stop words made optional"},
    "suggestion": {"type": ["object", "null"], "properties": {
        "q": {"type": "string"}, "folded": {"type": "string"}, "url": {"type": "string"}}},
    "results": {"type": "array", "items": SEARCH_RESULT},
    "more": {"type": "object", "additionalProperties": {"type": "string"},
             "description": "Per table: URL of the table filtered by the same words"}}}


# What the layers in front of Datasette answer on any path (plugins/http_policy.py, plugins/sql_lane.py), in
# the one error shape of scripts/serve/errors.py.
NOT_ALLOWED = {**ERROR, "description": "Method not allowed: the catalog is read-only (GET, HEAD and OPTIONS only)"}
TOO_MANY = {**ERROR, "description": "Too many requests: a client's share of free SQL (?sql=, ?_where=) is used up; "
                                    "try again after Retry-After seconds",
            "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}}
POLICY_ANSWERS = {"400": ERROR, "405": NOT_ALLOWED, "429": TOO_MANY}
DOWNLOAD_TYPES = list(dict.fromkeys(media_type(fmt) for fmt in MEDIA_TYPES))
NDJSON = {"application/x-ndjson": {"schema": {"type": "string"},
                                   "example": '{"code": "28249", "name": "Phường Đạo Thạnh"}\n'}}


def row_schema(columns, descriptions=None, labels=None, foreign_keys=()):
    """A row object: each column's JSON type (a foreign key may come as {value, label} with _labels=on), with
    its English label and its description where known."""
    descriptions, labels = descriptions or {}, labels or {}
    properties = {}
    for column, sqlite_type in columns:
        plain = dict(SQL_TYPES.get(sqlite_type.upper(), {}))
        prop = {"anyOf": [plain, LABELLED]} if column in foreign_keys else plain
        if labels.get(column):
            prop["title"] = labels[column]
        if descriptions.get(column):
            prop["description"] = descriptions[column]
        properties[column] = prop
    return {"type": "object", "properties": properties}


def page_schema(ref):
    """Datasette's table and row JSON: an object whose `rows` are arrays (default shape) or objects (objects)."""
    return {"type": "object", "required": ["rows"], "properties": {
        "rows": {"type": "array", "items": {"anyOf": [ref, {"type": "array"}]}},
        "columns": {"type": "array", "items": {"type": "string"}},
        "next": {"type": ["string", "null"]}, "next_url": {"type": ["string", "null"]},
        "truncated": {"type": "boolean"}, "filtered_table_rows_count": {"type": ["integer", "null"]},
        "facet_results": {"type": "object"}}}


def canned_parameters(query):
    """A canned query's parameters: as metadata.yml declares them (`parameters:`), else named in its SQL."""
    import re

    declared = query.get("parameters") or {}
    names = list(declared) + [n for n in dict.fromkeys(re.findall(r"(?<!:):([A-Za-z_][A-Za-z0-9_]*)", query.get(
        "sql", ""))) if n not in declared]
    out = []
    for name in names:
        spec = declared.get(name) or {}
        schema = {"type": "integer"} if spec.get("type") == "integer" else {"type": "string"}
        param = {"name": name, "in": "query", "required": bool(spec.get("required")),
                 "description": spec.get("description", f"Query parameter :{name}"), "schema": schema}
        if "example" in spec:
            param["example"] = spec["example"]
        out.append(param)
    return out


def build_openapi(metadata, schema, base):
    """schema: table → ([(column, sqlite type)], primary keys, searchable[, foreign-key columns]); the canned
    queries and their parameters come from metadata."""
    tables_meta = catalog_section("tables", metadata)
    paths, schemas = {}, {"Error": {"type": "object", "required": ["error"], "properties": {
        "ok": {"type": "boolean"}, "error": {"type": "string"}, "status": {"type": "integer"},
        "title": {"type": ["string", "null"]}}}}
    for table, (columns, pks, searchable, *rest) in schema.items():
        foreign_keys = set(rest[0]) if rest else set()
        meta = tables_meta.get(table, {})
        labels = {c: spec.column_label(table, c, "en") for c, _ in columns} if table in spec.tables() else {}
        schemas[table] = row_schema(columns, meta.get("columns"), labels, foreign_keys)
        ref = {"$ref": f"#/components/schemas/{table}"}
        params = list(TABLE_PARAMS)
        if foreign_keys:
            params.append(query_param("_labels", "`on`: each foreign key as {value, label}",
                                      {"type": "string", "enum": ["on"]}))
        if searchable:
            params.append(query_param("_search", "Full-text search, with or without Vietnamese diacritics"))
        params += [query_param(c, f"Rows where {c} equals this value (also {c}__contains, __gt, __in …)")
                   for c, _ in columns]
        paths[f"/{DATABASE}/{table}.json"] = {"get": {
            "operationId": f"list_{table}", "summary": meta.get("title", table),
            "description": meta.get("description", ""), "tags": [table], "parameters": params,
            "responses": {
                "200": {"description": "Rows of the table (100 a page unless _size says otherwise); with "
                                       "_shape=array a list of row objects (with _nl=on one JSON object a line, "
                                       "application/x-ndjson); _shape=object an object keyed by primary key; "
                                       "otherwise an object with `rows` (arrays, or objects with "
                                       "_shape=objects), `next` and `facet_results` (empty unless a facet is "
                                       "asked for)",
                        "headers": {"Link": {"description": "rel=next URL of the next page",
                                             "schema": {"type": "string"}}},
                        "content": {"application/json": {"schema": {"anyOf": [
                            {"type": "array", "items": ref}, page_schema(ref),
                            {"type": "object", "additionalProperties": ref}]}}, **NDJSON}},
                "302": REDIRECT, "400": ERROR, "404": NOT_FOUND}}}
        if pks:
            paths[f"/{DATABASE}/{table}/{{pk}}.json"] = {"get": {
                "operationId": f"get_{table}", "summary": f"One row of {table}", "tags": [table],
                "parameters": [
                    {"name": "pk", "in": "path", "required": True, "schema": {"type": "string"},
                     "description": "Primary key " + ", ".join(pks) + " (comma-separated for compound keys; "
                                    "percent- or tilde-encoded)"},
                    query_param("_shape", "`array` for a list holding the row object, `objects` for an object "
                                "whose rows are objects; by default its rows are arrays",
                                {"type": "string", "enum": ["array", "objects"]}),
                ],
                "responses": {"200": {"description": "The row", "content": {"application/json": {"schema": {
                    "anyOf": [{"type": "array", "items": ref}, page_schema(ref)]}}}},
                    "302": REDIRECT, "400": ERROR, "404": NOT_FOUND}}}
    for name, query in catalog_section("queries", metadata).items():
        paths[f"/{DATABASE}/{name}.json"] = {"get": {
            "operationId": f"query_{name}", "summary": query.get("title", name),
            "description": query.get("description", "") + " Without a required parameter: 400.",
            "tags": ["queries"],
            "parameters": [query_param("_shape", "Response shape", {"type": "string", "enum": ["array", "objects"]})]
            + canned_parameters(query),
            "responses": {"200": {"description": "Rows of the query (up to max_returned_rows; `truncated` says "
                                                 "when there were more)", "content": {"application/json": {
                "schema": {"anyOf": [{"type": "array", "items": {"type": "object"}}, {
                    "type": "object", "required": ["rows"], "properties": {
                        "rows": {"type": "array", "items": {"type": ["object", "array"]}},
                        "columns": {"type": "array", "items": {"type": "string"}},
                        "truncated": {"type": "boolean"}}}]}}}},
                "302": REDIRECT, "400": ERROR, "404": NOT_FOUND}}}
    paths["/-/search.json"] = {"get": {
        "operationId": "search_all", "summary": "One ranked search over every table", "tags": ["search"],
        "description": SEARCH_DESCRIPTION,
        "parameters": [{**query_param("q", "Words as people type them: with or without diacritics, abbreviations "
                                           "(KH&CN, CĐS, ATTT, UBND …), decision symbols (2744, 2744/QĐ-UBND), "
                                           "money (45.900, 45900, 45,9 tỷ), questions; \"quotes\" for a phrase. "
                                           "At most 1000 characters", {"type": "string", "maxLength": 1000}),
                        "required": True}],
        "responses": {"200": {"description": "The ranked list", "content": {"application/json": {
            "schema": SEARCH_SCHEMA}}}, "400": ERROR}}}
    paths["/-/downloads/{file}"] = {"get": {
        "operationId": "download_file", "tags": ["downloads"],
        "summary": "A whole-table file the build wrote (scripts/publish/dumps.py)",
        "description": "`<table>.csv` (UTF-8 with BOM), `.xlsx`, `.json`, `.jsonl`, `.geojson` (tables with "
                       "coordinates), `datapackage.json` (Frictionless) and `manifest.json` (every file with bytes "
                       "and SHA-256). The same for every request until the next build; ETag is the file's SHA-256.",
        "parameters": [{"name": "file", "in": "path", "required": True, "description": "File name, e.g. wards.csv",
                        "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.-]+$"}},
                       {"name": "If-None-Match", "in": "header", "required": False,
                        "description": "An ETag from an earlier answer: 304 when the file is unchanged",
                        "schema": {"type": "string"}}],
        "responses": {
            "200": {"description": "The file, as an attachment",
                    "headers": {"ETag": {"description": "The file's SHA-256 and size", "schema": {"type": "string"}}},
                    "content": {media: {"schema": {"type": "string", "format": "binary"}}
                                for media in DOWNLOAD_TYPES}},
            "304": {"description": "Not modified since the ETag given in If-None-Match"},
            "404": {**ERROR, "description": "No such file"}}}}
    for item in paths.values():
        item["get"]["responses"] = {**POLICY_ANSWERS, **item["get"]["responses"]}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Dữ liệu mở chuyển đổi số Đồng Tháp – An Giang · JSON API", "version": "1.0.0",
                 "description": "Read-only JSON API of the catalog (Datasette). CORS is on; the data changes only "
                                "with a new build.",
                 "license": {"name": "CC BY 4.0", "url": metadata["license_url"]}},
        "servers": [{"url": base}],
        "paths": paths,
        "components": {"schemas": schemas},
    }
