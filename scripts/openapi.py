"""OpenAPI 3.1 description of the portal's JSON API, generated from metadata.yml and the database schema:
one path per table, per row, per canned query, plus the ranked search. Served at /-/openapi.json."""

from scripts.portal import DATABASE_NAME as DATABASE

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
    "indicator; `now` — \"nay là\" — with the link to the ward a former unit is part of today), each with a "
    "Vietnamese label, the machine `value` and the Vietnamese `text`.")
CONTEXT_ITEM = {"type": "object", "properties": {
    "field": {"type": "string", "description": "province, owner, period, total_million_vnd, lead, deadline, value, "
                                               "ref_year, indicator_kind, issued_on, issuer, now, former_district, "
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


def row_schema(columns):
    return {"type": "object", "properties": {c: SQL_TYPES.get(t.upper(), {}) for c, t in columns}}


def build_openapi(metadata, schema, base):
    """schema: table → ([(column, sqlite type)], primary keys, searchable); the canned queries come from
    metadata."""
    tables_meta = metadata["databases"][DATABASE]["tables"]
    paths, schemas = {}, {"Error": {"type": "object", "properties": {
        "ok": {"type": "boolean"}, "error": {"type": "string"}, "status": {"type": "integer"}}}}
    for table, (columns, pks, searchable) in schema.items():
        meta = tables_meta.get(table, {})
        schemas[table] = row_schema(columns)
        ref = {"$ref": f"#/components/schemas/{table}"}
        params = list(TABLE_PARAMS)
        if searchable:
            params.append(query_param("_search", "Full-text search, with or without Vietnamese diacritics"))
        params += [query_param(c, f"Rows where {c} equals this value (also {c}__contains, __gt, __in …)")
                   for c, _ in columns]
        paths[f"/{DATABASE}/{table}.json"] = {"get": {
            "operationId": f"list_{table}", "summary": meta.get("title", table),
            "description": meta.get("description", ""), "tags": [table], "parameters": params,
            "responses": {
                "200": {"description": "Rows of the table (100 a page unless _size says otherwise); with "
                                       "_shape=array a list, otherwise an object with `rows`, `next` and "
                                       "`facet_results` (empty unless a facet is asked for)",
                        "headers": {"Link": {"description": "rel=next URL of the next page",
                                             "schema": {"type": "string"}}},
                        "content": {"application/json": {"schema": {"oneOf": [
                            {"type": "array", "items": ref},
                            {"type": "object", "properties": {"rows": {"type": "array"},
                                                              "next": {"type": ["string", "null"]}}}]}}}},
                "400": ERROR}}}
        if pks:
            paths[f"/{DATABASE}/{table}/{{pk}}.json"] = {"get": {
                "operationId": f"get_{table}", "summary": f"One row of {table}", "tags": [table],
                "parameters": [
                    {"name": "pk", "in": "path", "required": True, "schema": {"type": "string"},
                     "description": "Primary key " + ", ".join(pks) + " (comma-separated for compound keys)"},
                    query_param("_shape", "`array` for a list holding the row", {"type": "string", "enum": ["array", "objects"]}),
                ],
                "responses": {"200": {"description": "The row", "content": {"application/json": {"schema": {
                    "type": "array", "items": ref}}}}, "404": ERROR}}}
    for name, query in (metadata["databases"][DATABASE].get("queries") or {}).items():
        paths[f"/{DATABASE}/{name}.json"] = {"get": {
            "operationId": f"query_{name}", "summary": query.get("title", name),
            "description": query.get("description", ""), "tags": ["queries"],
            "parameters": [query_param("_shape", "Response shape", {"type": "string", "enum": ["array", "objects"]})]
            + [{**query_param(p, f"Query parameter :{p}"), "required": False} for p in query.get("params", [])],
            "responses": {"200": {"description": "Rows of the query", "content": {"application/json": {
                "schema": {"oneOf": [{"type": "array", "items": {"type": "object"}}, {"type": "object"}]}}}},
                "400": ERROR}}}
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
