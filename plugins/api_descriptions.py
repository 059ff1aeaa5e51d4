"""/-/dcat.jsonld (the DCAT-AP catalog of the datasets) and /-/openapi.json (the API description),
generated on request from metadata.yml and the database — never hand-written."""
import json

from datasette import hookimpl
from datasette.utils.asgi import Response

from scripts.publish.dcat import DATABASE, build_catalog
from scripts.publish.dumps import build_time, table_files
from scripts.publish.openapi import build_openapi


def base_url(request):
    """The public base URL: plugins/http_policy.py has already replaced the request's scheme and Host with
    CATALOG_PUBLIC_URL (or the server's own address), so nothing a client sends reaches these documents."""
    return f"{request.scheme}://{request.host}"


async def visible_counts(datasette):
    db = datasette.get_database(DATABASE)
    hidden = set(await db.hidden_table_names())
    return {t: c for t, c in (await db.table_counts(limit=1000)).items() if t not in hidden}


async def dcat_view(datasette, request):
    db = datasette.get_database(DATABASE)
    modified = build_time(db.path).date().isoformat()
    provinces = dict((await db.execute("select code, name from provinces order by code")).rows)
    counts = await visible_counts(datasette)
    files = {table: table_files(db.path, table) for table in counts}
    doc = build_catalog(datasette.metadata(), counts, base_url(request), modified, provinces, files)
    return Response(json.dumps(doc, ensure_ascii=False), content_type="application/ld+json; charset=utf-8")


async def openapi_view(datasette, request):
    db = datasette.get_database(DATABASE)
    schema = {}
    tables_meta = (datasette.metadata(database=DATABASE) or {}).get("tables", {})
    for table in await visible_counts(datasette):
        columns = [(c.name, c.type) for c in await db.table_column_details(table)]
        searchable = bool(tables_meta.get(table, {}).get("fts_table") or await db.fts_table(table))
        foreign_keys = [fk["column"] for fk in await db.foreign_keys_for_table(table)]
        schema[table] = (columns, await db.primary_keys(table), searchable, foreign_keys)
    return Response.json(build_openapi(datasette.metadata(), schema, base_url(request)))


@hookimpl
def register_routes():
    return [(r"^/-/dcat\.jsonld$", dcat_view), (r"^/-/openapi\.json$", openapi_view)]
