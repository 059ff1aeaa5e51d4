"""OpenAPI 3.1 description of the portal's JSON API, generated from the metadata (metadata.yml and the table
specs of sources/tables/) and the database schema: one path per table, per row, per canned query, plus the
ranked search. A row's properties carry each column's label and description from its spec. Served at
/-/openapi.json."""

from scripts import spec
from scripts.project import DATABASE_NAME as DATABASE

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


def row_schema(columns, descriptions=None, labels=None):
    """A row object: each column's JSON type, with its English label and its description where known."""
    descriptions, labels = descriptions or {}, labels or {}
    properties = {}
    for c, t in columns:
        prop = dict(SQL_TYPES.get(t.upper(), {}))
        if labels.get(c):
            prop["title"] = labels[c]
        if descriptions.get(c):
            prop["description"] = descriptions[c]
        properties[c] = prop
    return {"type": "object", "properties": properties}


def build_openapi(metadata, schema, base):
    """schema: table → ([(column, sqlite type)], primary keys, searchable); the canned queries come from
    metadata."""
    tables_meta = metadata["databases"][DATABASE]["tables"]
    paths, schemas = {}, {"Error": {"type": "object", "properties": {
        "ok": {"type": "boolean"}, "error": {"type": "string"}, "status": {"type": "integer"}}}}
    for table, (columns, pks, searchable) in schema.items():
        meta = tables_meta.get(table, {})
        labels = {c: spec.column_label(table, c, "en") for c, _ in columns} if table in spec.tables() else {}
        schemas[table] = row_schema(columns, meta.get("columns"), labels)
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
        "operationId": "search_all", "summary": "Ranked search over every table", "tags": ["search"],
        "parameters": [{**query_param("q", "Words, with or without diacritics; \"quotes\" for a phrase"),
                        "required": True}],
        "responses": {"200": {"description": "Results grouped by table", "content": {"application/json": {
            "schema": {"type": "object", "properties": {"q": {"type": "string"}, "results": {"type": "object"}}}}}},
            "400": ERROR}}}
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
