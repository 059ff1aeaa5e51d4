"""Errors a request causes are answered 4xx with a message in Vietnamese and English, never 500, and no
response carries internal SQL or exception text.

Why our own code: Datasette 0.65 lets many malformed requests escape as exceptions (a `_facet_array` that
is not JSON, `code__in=[1,2`, a 400-digit number, `_where=1=1; drop …`, `_timelimit=abc`, a time-out while
writing CSV, a control character in an XLSX cell, a `_through` without a foreign key …) and its default
handler answers them 500 with `str(exception)`, which for a time-out is the SQL it ran. A whole class of
bugs is one kind of mistake, so it is handled in one place, Datasette's `handle_exception` hook, rather
than one parameter at a time: exceptions that only a request's content can raise (parsing, binding,
SQLite refusing or stopping a query, a limit of plugins/query_limits.py) become 400 with a fixed message
that says what kind of problem it was; anything else stays a 500 — a real bug — but its text is logged,
not sent. The classification is scripts/serve/errors.py's, shared with the safety net of the HTTP policy
layer (plugins/http_policy.py), which also refuses methods other than GET, HEAD and OPTIONS with 405 and drops a
cookie that does not parse before Datasette sees them; every answer here leaves through that layer and carries
its headers (CORS, CSP, no-store).
"""
import sys
import traceback

from datasette import Response, hookimpl

from scripts.serve.errors import classify, message


def error_response(datasette, path, status, text):
    if path.split("?")[0].endswith((".json", ".geojson", ".jsonld")):
        return Response.json({"ok": False, "error": text, "status": status, "title": None}, status=status)
    from html import escape

    body = (f"<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Lỗi {status} · Error {status}"
            f"</title></head><body><h1>Lỗi {status} · Error {status}</h1><p>{escape(text)}</p>"
            f"<p><a href=\"/\">Trang chủ · Home</a></p></body></html>")
    return Response.html(body, status=status)


@hookimpl
def handle_exception(datasette, request, exception):
    found = classify(exception)
    if found is None:
        return None
    status, parts = found
    if status >= 500:
        traceback.print_exception(exception, file=sys.stderr)
    return error_response(datasette, request.path, status, message(parts))


