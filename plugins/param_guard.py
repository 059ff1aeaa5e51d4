"""Malformed table parameters get a 400 with a message, not Datasette 0.65's 500.

Also: a NUL character anywhere in the parameters (SQLite rejects it, Datasette answers 500) is a 400, and a row URL with the wrong number of key parts for a compound primary key (Datasette 0.65 answers
500, "You did not supply a value for binding parameter") is a 404, as any other missing row.

An unknown `_shape` on JSON is refused here too: Datasette's JSON renderer answers it without an exception, so
plugins/safe_errors.py never sees it, and its message would be English only.

Datasette raises a status-500 DatasetteError for `_sort` on a missing column, `_sort` with `_sort_desc`,
a `_through` that is not the JSON it expects and a non-numeric `_timelimit`. These are the caller's
mistakes, so they are checked here, before Datasette sees the request, and answered as Datasette answers
other bad requests: `{"ok": false, "error": …, "status": 400}` (for HTML pages the portal's error page).
"""
import json
import re
from urllib.parse import parse_qs, unquote

from datasette import hookimpl
from datasette.utils import tilde_decode
from datasette.utils.asgi import Request

from scripts.project import DATABASE_NAME as DATABASE
from scripts.serve.errors import fallback_page
from scripts.serve.i18n import bilingual_error, error_message
from scripts.serve.portal import DATA_FORMATS, TABLE_ROUTE
SHAPES = ("objects", "object", "array", "arrays")  # the _shape values Datasette 0.65's JSON renderer knows
DATA_FORMAT = re.compile(rf"\.({'|'.join(DATA_FORMATS)})$")  # answered as JSON, not HTML


def first(params, name):
    values = params.get(name)
    return values[0] if values else None


async def problem(datasette, table, pk, params):
    """(status, message) for the first malformed part of the request, or None."""
    db = datasette.get_database(DATABASE)
    if pk is not None:
        keys = await db.primary_keys(table) or ["rowid"]
        if len(pk.split(",")) != len(keys):  # parts are separated by a literal comma, encoded ones are ~2C
            return 404, f"Record not found, the key has the wrong number of parts: {table} ({', '.join(keys)})"
        return None
    columns = set(await db.table_columns(table))
    if not await db.primary_keys(table):
        columns.add("rowid")  # Datasette sorts by rowid only where it is the key
    sort, sort_desc = first(params, "_sort"), first(params, "_sort_desc")
    if sort and sort_desc:
        return 400, "Use _sort or _sort_desc, not both"
    for name, value in (("_sort", sort), ("_sort_desc", sort_desc)):
        if value and value not in columns:
            return 400, f"Cannot sort, no such column: {value!r}"
    for through in params.get("_through", []):
        try:
            spec = json.loads(through)
            other, column = spec["table"], spec["column"]
            spec["value"]
        except (ValueError, TypeError, KeyError):
            return 400, '_through must be JSON like {"table": …, "column": …, "value": …}'
        if not await db.table_exists(other) or column not in await db.table_columns(other):
            return 400, f"_through names a missing table or column: {other!r}.{column!r}"
    timelimit = first(params, "_timelimit")
    if timelimit is not None and not timelimit.isdigit():
        return 400, "_timelimit must be a whole number of milliseconds"
    return None


async def reply(datasette, scope, receive, send, status, message, wants_json):
    if wants_json:
        body = json.dumps({"ok": False, "error": bilingual_error(message, status), "status": status},
                          ensure_ascii=False).encode()
        content_type = b"application/json; charset=utf-8"
    else:
        # The portal's error page (templates/error.html) in the visitor's language, as plugins/safe_errors.py
        # renders Datasette's errors; the message's known start is translated by scripts/serve/i18n.py.
        try:
            body = (await datasette.render_template(
                ["error.html"], {"ok": False, "error": message, "status": status, "title": None},
                # Outside Datasette's CSRF layer, which sets scope["csrftoken"]; the error page has no POST form.
                request=Request({**scope, "csrftoken": lambda: ""}, receive), view_name="error")).encode()
        except Exception:  # noqa: BLE001 — a page without templates rather than a second error
            body = fallback_page(status, error_message(message)).encode()
        content_type = b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def guarded(scope, receive, send):
            # Datasette routes on the raw path: "%2C" inside a key part is not a separator there.
            path = scope.get("raw_path", b"").decode("utf-8", "replace").split("?")[0] or scope.get("path", "")
            match = scope["type"] == "http" and TABLE_ROUTE.match(path)
            query = unquote(scope.get("query_string", b"").decode("utf-8", "replace")) if scope["type"] == "http" else ""
            if "\x00" in query or "\x00" in scope.get("path", ""):  # SQLite refuses NUL in SQL text: a 500 otherwise
                return await reply(datasette, scope, receive, send, 400, "Parameters may not contain NUL characters",
                                   bool(DATA_FORMAT.search(path)))
            if match and b"_shape=" in scope.get("query_string", b"") and path.endswith(".json"):
                # Datasette's JSON renderer answers an unknown _shape itself, in English, not through an exception.
                shape = first(parse_qs(scope["query_string"].decode("utf-8", "replace")), "_shape")
                if shape is not None and shape not in SHAPES:
                    return await reply(datasette, scope, receive, send, 400, f"Invalid _shape: {shape[:100]}", True)
            if match:
                table = tilde_decode(match["table"])
                db = datasette.get_database(DATABASE)
                if await db.table_exists(table):
                    params = parse_qs(scope.get("query_string", b"").decode("utf-8", "replace"), keep_blank_values=True)
                    found = await problem(datasette, table, match["pk"], params)
                    if found:
                        return await reply(datasette, scope, receive, send, *found, bool(DATA_FORMAT.search(path)))
            await app(scope, receive, send)

        return guarded

    return wrap
